//! The hash list: PDQ with quality (below 50 left out), MD5 and vPDQ lines, as CSV and JSON.

use lodge_pdq::vpdq::FrameHash;
use lodge_pdq::{Hash256, PdqHash};
use lodge_scan::hashlist::{Fingerprint, Listed, to_csv, to_json};

fn hash(n: u64) -> Hash256 {
    Hash256([n, n.rotate_left(17), !n, n ^ 0x5555])
}

fn items() -> Vec<Listed> {
    let frame = |frame, quality, n| FrameHash {
        frame,
        pdq: PdqHash { hash: hash(n), quality },
        timestamp: frame as f64 / 25.0,
    };
    vec![
        Listed { id: "c1".into(), fingerprint: Fingerprint::Image(PdqHash { hash: hash(1), quality: 92 }) },
        Listed { id: "c2".into(), fingerprint: Fingerprint::Image(PdqHash { hash: hash(2), quality: 49 }) },
        Listed {
            id: "c3".into(),
            fingerprint: Fingerprint::Video {
                frames: vec![frame(0, 100, 3), frame(25, 10, 4), frame(50, 77, 5)],
                md5: "4e1a8a043ef6ec211033d87f6950a315".into(),
            },
        },
    ]
}

#[test]
fn csv_and_json_hold_trusted_hashes_only() {
    let csv = to_csv(&items());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "kind,id,hash,quality,md5,frame,timestamp");
    assert_eq!(lines[1], format!("pdq,c1,{},92,,,", hash(1)));
    assert_eq!(lines[2], "md5,c3,,,4e1a8a043ef6ec211033d87f6950a315,,");
    assert_eq!(lines[3], format!("vpdq,c3,{},100,,0,0.000", hash(3)));
    assert_eq!(lines[4], format!("vpdq,c3,{},77,,50,2.000", hash(5)));
    assert_eq!(lines.len(), 5, "quality 49 and 10 are left out");
    assert_eq!(hash(1).to_string().len(), 64);

    let json = to_json(&items());
    assert_eq!(json["pdq"].as_array().unwrap().len(), 1);
    assert_eq!(json["pdq"][0]["hash"], hash(1).to_string());
    assert_eq!(json["videos"][0]["md5"], "4e1a8a043ef6ec211033d87f6950a315");
    let vpdq: Vec<&str> = json["videos"][0]["vpdq"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(vpdq, [format!("0,100,{},0.000", hash(3)), format!("50,77,{},2.000", hash(5))]);
    // The reference's own reader takes the lines back.
    assert_eq!(FrameHash::parse_line(vpdq[1]).unwrap().pdq.quality, 77);
}
