//! The kubeconfig the simulator writes for itself.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;

/// The server URL clients should use (a wildcard listen address is reached via loopback).
pub fn server_url(addr: SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    format!("http://{host}:{}", addr.port())
}

pub fn render(name: &str, addr: SocketAddr, token: &str) -> String {
    let server = server_url(addr);
    let user = format!("{name}-admin");
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {name}\n  cluster:\n    server: {server}\nusers:\n- name: {user}\n  user:\n    token: {token}\ncontexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: {user}\n    namespace: default\ncurrent-context: {name}\npreferences: {{}}\n"
    )
}

/// Writes atomically (temp file + rename) so a reader never sees half a file.
pub fn write(path: &Path, name: &str, addr: SocketAddr, token: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, render(name, addr, token))
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_address_becomes_loopback() {
        let addr: SocketAddr = "0.0.0.0:6443".parse().expect("addr");
        let k = render("edge01", addr, "t0k");
        assert!(k.contains("server: http://127.0.0.1:6443"));
        assert!(k.contains("token: t0k"));
        assert!(k.contains("current-context: edge01"));
    }
}
