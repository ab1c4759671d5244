//! `boto3`: what S3's file-object transfers do with the file.
//!
//! `client.upload_fileobj(f, bucket, key)` (and the same method of buckets
//! and objects) closes `f` when the upload ends (boto/s3transfer#80), so it
//! takes ownership of it; `client.download_fileobj(bucket, key, f)` writes
//! into `f` and leaves it open, so it borrows it (`f` must still be
//! closed, and a writer flushed).
//!
//! Left out, on purpose:
//! - clients and resources (`boto3.client("s3")`): they hold a pool of
//!   HTTPS connections, but `close()` only exists since botocore 1.25,
//!   AWS's own examples never call it, and they are meant to live as long
//!   as the program; reporting them would flag nearly every boto3 user for
//!   a pool that the process exit reclaims.
//! - the `StreamingBody` of `client.get_object(...)["Body"]`: it holds a
//!   connection until it is read to the end or closed, but it is reached
//!   through a subscript of a dictionary (`resp["Body"].read()`), which the
//!   analysis does not follow as a value, and reading it whole is the usual
//!   use; modelling it would report correct code.

use super::Library;

pub(super) const LIBRARY: Library = Library {
    name: "boto3",
    modules: &["boto3"],
    owning_methods: &["upload_fileobj"],
    borrowing_methods: &["download_fileobj"],
    ..Library::EMPTY
};
