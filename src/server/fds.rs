//! Passing file descriptors over the socket (SCM_RIGHTS): a client hands
//! the server its standard input, output and error with a request, so the
//! command's output goes where the client's would have, with the client's
//! own access rights — and, for a command that names a file, that file,
//! opened by the client.

use std::io::{IoSlice, IoSliceMut, Write};
use std::mem::MaybeUninit;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use rustix::net::{
    recvmsg, sendmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};

/// The most descriptors a request carries.
pub const MAX_FDS: usize = 4;

/// Sends `bytes`, with `fds` attached to the first byte.
pub fn send_with_fds(
    sock: &UnixStream,
    bytes: &[u8],
    fds: &[BorrowedFd<'_>],
) -> std::io::Result<()> {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS))];
    let mut cmsg = SendAncillaryBuffer::new(&mut space);
    if !cmsg.push(SendAncillaryMessage::ScmRights(fds)) {
        return Err(std::io::Error::other("too many file descriptors"));
    }
    let first = bytes.len().min(1);
    let sent = sendmsg(
        sock,
        &[IoSlice::new(&bytes[..first])],
        &mut cmsg,
        SendFlags::NOSIGNAL,
    )?;
    let mut w = sock;
    w.write_all(&bytes[sent..])
}

/// Receives the first bytes of a frame and the descriptors that came with
/// them (at most [`MAX_FDS`]; any beyond are closed by the kernel's
/// truncation or dropped here).
pub fn recv_with_fds(sock: &UnixStream) -> std::io::Result<(Vec<u8>, Vec<OwnedFd>)> {
    let mut buf = [0u8; 64];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS))];
    let mut cmsg = RecvAncillaryBuffer::new(&mut space);
    let msg = recvmsg(
        sock,
        &mut [IoSliceMut::new(&mut buf)],
        &mut cmsg,
        RecvFlags::CMSG_CLOEXEC,
    )?;
    let mut fds = Vec::new();
    for m in cmsg.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = m {
            fds.extend(received);
        }
    }
    Ok((buf[..msg.bytes].to_vec(), fds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::AsFd;

    #[test]
    fn descriptors_travel_with_the_first_byte() {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut r, w) = std::io::pipe().unwrap();
        let payload = b"hello, server".to_vec();
        send_with_fds(&a, &payload, &[w.as_fd()]).unwrap();
        drop(w);
        let (first, fds) = recv_with_fds(&b).unwrap();
        assert_eq!(fds.len(), 1);
        let mut rest = vec![0u8; payload.len() - first.len()];
        (&b).read_exact(&mut rest).unwrap();
        assert_eq!([first, rest].concat(), payload);
        // The received descriptor is the pipe's write end.
        let mut file = std::fs::File::from(fds.into_iter().next().unwrap());
        file.write_all(b"through the passed fd").unwrap();
        drop(file);
        let mut got = String::new();
        r.read_to_string(&mut got).unwrap();
        assert_eq!(got, "through the passed fd");
    }
}
