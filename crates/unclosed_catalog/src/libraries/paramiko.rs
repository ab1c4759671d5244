//! `paramiko`: SSH clients, transports, SFTP clients and remote files.
//!
//! `SSHClient()` holds nothing until `connect()`; then its transport (a
//! socket and a thread) stays open until `close()` or the end of its `with`
//! block. `client.open_sftp()` and `SFTPClient.from_transport(t)` open an
//! SFTP session (a channel) closed by `close()`; `sftp.open(path, mode)`
//! opens a remote file, buffered like a local one (written data is lost if
//! it is not closed). `Transport(sock_or_address)` opens (or takes over) a
//! socket and is closed by `close()`.
//!
//! Left out: `client.exec_command()` returns the three files of one channel,
//! closed with the client; `client.invoke_shell()` a channel.

use super::Library;
use crate::{Kind, Lazy, entry, file, lazy, method, owning};

const SSH: &str = "paramiko.SSHClient";
const SFTP: &str = "paramiko.SFTPClient";
const TRANSPORT: &str = "paramiko.Transport";
const CONNECTS: Lazy = Lazy::UntilMethod(&["connect"]);
/// A transport starts its thread (and owns its socket for good) when it
/// starts; one built over a test double and inspected holds nothing.
const STARTS: Lazy = Lazy::UntilMethod(&["start_client", "start_server", "connect"]);

pub(super) const LIBRARY: Library = Library {
    name: "paramiko",
    modules: &["paramiko"],
    acquirers: &[
        lazy(entry("paramiko.SSHClient", Kind::Client, SSH), CONNECTS),
        lazy(
            entry("paramiko.client.SSHClient", Kind::Client, SSH),
            CONNECTS,
        ),
        method(SSH, entry("open_sftp", Kind::Client, SFTP)),
        entry("paramiko.SFTPClient.from_transport", Kind::Client, SFTP),
        entry(
            "paramiko.sftp_client.SFTPClient.from_transport",
            Kind::Client,
            SFTP,
        ),
        lazy(
            owning(entry("paramiko.Transport", Kind::Connection, TRANSPORT)),
            STARTS,
        ),
        lazy(
            owning(entry(
                "paramiko.transport.Transport",
                Kind::Connection,
                TRANSPORT,
            )),
            STARTS,
        ),
        method(SFTP, file("open", 1, "r")),
        method(SFTP, file("file", 1, "r")),
    ],
    ..Library::EMPTY
};
