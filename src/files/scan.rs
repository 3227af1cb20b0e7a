//! Virus scanning with ClamAV's daemon: an upload's bytes are streamed to
//! clamd (`INSTREAM`) as they arrive, so the verdict is ready when the last
//! chunk is, and nothing infected is ever kept. The protocol is a dozen
//! lines (a command, length-prefixed chunks, one reply line), so it is
//! spoken here rather than through a crate.

use std::pin::Pin;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// How long clamd may take to connect or answer.
const DEADLINE: Duration = Duration::from_secs(30);

trait Conn: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> Conn for T {}

#[derive(Debug, Clone)]
pub enum Scanner {
    Tcp(String),
    Unix(String),
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    Infected(String),
}

#[derive(Debug, thiserror::Error)]
#[error("virus scanner: {0}")]
pub struct ScanError(pub String);

fn io(e: std::io::Error) -> ScanError {
    ScanError(e.to_string())
}

impl Scanner {
    /// From `tcp://host:port` or `unix:/path` (checked by the config).
    pub fn from_url(url: &str) -> Option<Self> {
        url.strip_prefix("tcp://")
            .map(|a| Scanner::Tcp(a.to_owned()))
            .or_else(|| {
                url.strip_prefix("unix:")
                    .map(|p| Scanner::Unix(p.to_owned()))
            })
    }

    /// Opens a scan: connects and announces a stream.
    pub async fn start(&self) -> Result<Scan, ScanError> {
        let connect = async {
            let conn: Pin<Box<dyn Conn>> = match self {
                Scanner::Tcp(a) => Box::pin(tokio::net::TcpStream::connect(a).await.map_err(io)?),
                Scanner::Unix(p) => Box::pin(tokio::net::UnixStream::connect(p).await.map_err(io)?),
            };
            Ok::<_, ScanError>(conn)
        };
        let mut conn = tokio::time::timeout(DEADLINE, connect)
            .await
            .map_err(|_| ScanError("clamd did not accept a connection in time".into()))??;
        conn.write_all(b"zINSTREAM\0").await.map_err(io)?;
        Ok(Scan {
            conn,
            broken: false,
        })
    }
}

pub struct Scan {
    conn: Pin<Box<dyn Conn>>,
    /// clamd stopped reading (it had enough: a size limit); its reply says why.
    broken: bool,
}

impl Scan {
    pub async fn feed(&mut self, chunk: &[u8]) -> Result<(), ScanError> {
        if self.broken || chunk.is_empty() {
            return Ok(());
        }
        let len = u32::try_from(chunk.len()).map_err(|_| ScanError("chunk too large".into()))?;
        let sent = async {
            self.conn.write_all(&len.to_be_bytes()).await?;
            self.conn.write_all(chunk).await
        };
        match tokio::time::timeout(DEADLINE, sent).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => {
                self.broken = true;
                Ok(())
            }
            Err(_) => Err(ScanError("clamd stopped reading".into())),
        }
    }

    pub async fn verdict(mut self) -> Result<Verdict, ScanError> {
        if !self.broken {
            self.conn.write_all(&[0, 0, 0, 0]).await.map_err(io)?;
        }
        let mut reply = Vec::new();
        tokio::time::timeout(DEADLINE, self.conn.read_to_end(&mut reply))
            .await
            .map_err(|_| ScanError("clamd gave no verdict in time".into()))?
            .map_err(io)?;
        parse(&reply)
    }
}

/// `stream: OK`, `stream: Eicar-Signature FOUND`, or `… ERROR`.
fn parse(reply: &[u8]) -> Result<Verdict, ScanError> {
    let text = String::from_utf8_lossy(reply);
    let text = text.trim_end_matches(['\0', '\n']).trim();
    let body = text.strip_prefix("stream:").map_or(text, str::trim);
    if body == "OK" {
        Ok(Verdict::Clean)
    } else if let Some(name) = body.strip_suffix(" FOUND") {
        Ok(Verdict::Infected(name.trim().to_owned()))
    } else {
        Err(ScanError(format!("clamd answered {body:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read() {
        assert_eq!(parse(b"stream: OK\0").ok(), Some(Verdict::Clean));
        assert_eq!(
            parse(b"stream: Eicar-Test-Signature FOUND\0").ok(),
            Some(Verdict::Infected("Eicar-Test-Signature".into()))
        );
        assert!(parse(b"INSTREAM size limit exceeded. ERROR\0").is_err());
        assert!(parse(b"").is_err());
    }
}
