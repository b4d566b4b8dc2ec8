//! A real S3-compatible server for tests: moto in server mode (`pip install 'moto[server]'`),
//! on a free loopback port; buckets are made and raw objects read with boto3.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lodge_blobs::S3Settings;

/// A running moto server; stopped when dropped.
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
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (pip install 'moto[server]')");
        let server = S3Server { child, url: format!("http://127.0.0.1:{port}") };
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("moto did not start");
    }

    /// Settings for `bucket`, which is made if it does not exist (unless its name says it is not there).
    pub fn settings(&self, bucket: &str) -> S3Settings {
        if !bucket.starts_with("no-such") {
            boto(&self.url, &format!("s3.create_bucket(Bucket='{bucket}')"));
        }
        S3Settings {
            bucket: bucket.into(),
            endpoint: self.url.clone(),
            region: "us-east-1".into(),
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
        }
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
