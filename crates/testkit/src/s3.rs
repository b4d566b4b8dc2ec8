//! A real S3-compatible server: moto in server mode (`pip install 'moto[server]'`), on a free
//! loopback port; buckets are made and raw objects read with boto3.

use std::process::{Child, Command, Stdio};

/// A bucket on the server. Its region is `us-east-1`; its access key id and secret are both `test`.
#[derive(Debug)]
pub struct Bucket {
    /// Its name.
    pub name: String,
    /// The server's address.
    pub endpoint: String,
}

/// A running moto server; stopped when dropped.
#[derive(Debug)]
pub struct S3Server {
    child: Child,
    /// Its address.
    pub url: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn boto(url: &str, script: &str) -> Vec<u8> {
    let program = format!(
        "import boto3, sys\ns3 = boto3.client('s3', endpoint_url='{url}', aws_access_key_id='test', \
         aws_secret_access_key='test', region_name='us-east-1')\n{script}"
    );
    let out = Command::new("python3").args(["-c", &program]).output().expect("python3 with boto3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

impl S3Server {
    /// Starts moto on a free port.
    pub fn start() -> S3Server {
        let port = crate::free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (pip install 'moto[server]')");
        let server = S3Server { child, url: format!("http://127.0.0.1:{port}") };
        crate::wait_for(port, 400, "moto");
        server
    }

    /// Makes `bucket` (unless its name says it is not there) and returns it.
    pub fn bucket(&self, bucket: &str) -> Bucket {
        if !bucket.starts_with("no-such") {
            boto(&self.url, &format!("s3.create_bucket(Bucket='{bucket}')"));
        }
        Bucket { name: bucket.into(), endpoint: self.url.clone() }
    }

    /// Every object in a bucket, as stored.
    pub fn all_objects(&self, bucket: &str) -> Vec<u8> {
        boto(
            &self.url,
            &format!(
                "for page in s3.get_paginator('list_objects_v2').paginate(Bucket='{bucket}'):\n    \
                 for o in page.get('Contents', []):\n        \
                 sys.stdout.buffer.write(s3.get_object(Bucket='{bucket}', Key=o['Key'])['Body'].read())"
            ),
        )
    }
}
