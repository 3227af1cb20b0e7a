//! A minimal HTTP/1.1 client: one keep-alive connection, one request at a
//! time, `Content-Length` or chunked bodies. That is all the load test
//! needs, it runs on the same tokio runtime as the WebSocket clients, and
//! it costs a few hundred bytes per connection (see README.md).

use std::io::{Error, ErrorKind, Write as _};
use std::net::{IpAddr, SocketAddr};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

pub struct HttpConn {
    stream: TcpStream,
    buf: Vec<u8>,
    host: String,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    /// The server will close the connection after this response.
    pub close: bool,
}

impl Response {
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(300)
            .collect()
    }
}

fn bad(what: &str) -> Error {
    Error::new(ErrorKind::InvalidData, what.to_owned())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A TCP connection from `bind` (any port) to `addr`.
pub async fn tcp(
    addr: SocketAddr,
    bind: Option<IpAddr>,
    rcvbuf: Option<u32>,
) -> std::io::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    if let Some(ip) = bind {
        sock.bind(SocketAddr::new(ip, 0))?;
    }
    if let Some(n) = rcvbuf {
        sock.set_recv_buffer_size(n)?;
    }
    let stream = sock.connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

impl HttpConn {
    pub async fn connect(addr: SocketAddr, bind: Option<IpAddr>) -> std::io::Result<Self> {
        Ok(Self {
            stream: tcp(addr, bind, None).await?,
            buf: Vec::with_capacity(1024),
            host: addr.to_string(),
        })
    }

    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&[u8]>,
    ) -> std::io::Result<Response> {
        let mut req = Vec::with_capacity(256 + body.map_or(0, <[u8]>::len));
        write!(req, "{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host)?;
        if let Some(t) = token {
            write!(req, "Authorization: Bearer {t}\r\n")?;
        }
        match body {
            Some(b) => write!(
                req,
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                b.len()
            )?,
            None if method == "GET" => req.extend_from_slice(b"\r\n"),
            None => req.extend_from_slice(b"Content-Length: 0\r\n\r\n"),
        }
        if let Some(b) = body {
            req.extend_from_slice(b);
        }
        self.stream.write_all(&req).await?;
        self.read_response().await
    }

    async fn read_more(&mut self) -> std::io::Result<()> {
        self.buf.reserve(4096);
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            return Err(Error::new(
                ErrorKind::UnexpectedEof,
                "server closed the connection",
            ));
        }
        Ok(())
    }

    async fn fill(&mut self, n: usize) -> std::io::Result<()> {
        while self.buf.len() < n {
            self.read_more().await?;
        }
        Ok(())
    }

    async fn read_response(&mut self) -> std::io::Result<Response> {
        let end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            self.read_more().await?;
        };
        let head = std::str::from_utf8(&self.buf[..end]).map_err(|_| bad("header is not UTF-8"))?;
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no status line"))?;
        let (mut len, mut chunked, mut close) = (0usize, false, false);
        for l in lines {
            if let Some((k, v)) = l.split_once(':') {
                let v = v.trim();
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.parse().map_err(|_| bad("bad content-length"))?;
                } else if k.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = v.eq_ignore_ascii_case("chunked");
                } else if k.eq_ignore_ascii_case("connection") {
                    close = v.eq_ignore_ascii_case("close");
                }
            }
        }
        self.buf.drain(..end + 4);
        let body = if chunked {
            self.read_chunked().await?
        } else {
            self.fill(len).await?;
            self.buf.drain(..len).collect()
        };
        Ok(Response {
            status,
            body,
            close,
        })
    }

    async fn read_chunked(&mut self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let eol = loop {
                if let Some(i) = find(&self.buf, b"\r\n") {
                    break i;
                }
                self.read_more().await?;
            };
            let line = std::str::from_utf8(&self.buf[..eol]).map_err(|_| bad("chunk size"))?;
            let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("chunk size"))?;
            self.buf.drain(..eol + 2);
            self.fill(size + 2).await?;
            out.extend_from_slice(&self.buf[..size]);
            self.buf.drain(..size + 2);
            if size == 0 {
                return Ok(out);
            }
        }
    }
}
