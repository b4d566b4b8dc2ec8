//! `lodge hash` and `lodge match` on the reference vectors, as a person would run them.

use std::path::PathBuf;
use std::process::Command;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

fn lodge(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lodge")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn hash_prints_the_reference_hashes_and_names_every_failure() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("notes.jpg");
    std::fs::write(&bad, b"this is not a picture").unwrap();
    let decoded = vectors().join("pdq/decoded");
    let (ok, out, err) = lodge(&["hash", decoded.to_str().unwrap(), bad.to_str().unwrap()]);
    assert!(!ok, "one file failed, so the exit status says so");
    assert!(err.contains("notes.jpg") && err.contains("not an image"), "{err}");
    let expected = std::fs::read_to_string(vectors().join("pdq/expected.csv")).unwrap();
    let mut checked = 0;
    for line in expected.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if let Some(name) = f[5].strip_prefix("decoded/") {
            let want = format!("{},{},{}", f[3], f[4], decoded.join(name).display());
            assert!(out.lines().any(|l| l == want), "missing {want}");
            checked += 1;
        }
    }
    assert!(checked >= 15);

    let (ok, out, _) =
        lodge(&["hash", "--dihedral", vectors().join("pdq/decoded/bridge-1-original.png").to_str().unwrap()]);
    assert!(ok);
    let reference = std::fs::read_to_string(vectors().join("pdq/dihedral-bridge-1.csv")).unwrap();
    for line in reference.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{},{},", f[1], f[2])) && l.ends_with(&format!(",{}", f[0]))),
            "{line}"
        );
    }
}

#[test]
fn hash_prints_vpdq_lines_for_videos() {
    let video = vectors().join("vpdq/videos/pattern-sd-grey-bar.mp4");
    let (ok, out, err) = lodge(&["hash", "--interval", "0", video.to_str().unwrap()]);
    assert!(ok, "{err}");
    let mut lines = out.lines();
    assert!(lines.next().unwrap().contains(",md5="));
    let reference = std::fs::read_to_string(vectors().join("vpdq/hashes/pattern-sd-grey-bar.txt")).unwrap();
    let ours: Vec<&str> = lines.collect();
    assert_eq!(ours.len(), reference.lines().count());
    let same = ours.iter().zip(reference.lines()).filter(|(a, b)| **a == *b).count();
    assert!(same * 100 >= ours.len() * 95, "{same} of {} lines identical to the reference", ours.len());
}

#[test]
fn match_finds_known_images_with_their_distance() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, known, _) = lodge(&["hash", vectors().join("pdq/images").to_str().unwrap()]);
    assert!(ok);
    let index = dir.path().join("known.csv");
    std::fs::write(&index, known).unwrap();
    let query = vectors().join("pdq/decoded/wee.png");
    let unrelated = vectors().join("pdq/decoded/q0122.png");
    let (ok, out, err) =
        lodge(&["match", "--index", index.to_str().unwrap(), query.to_str().unwrap(), unrelated.to_str().unwrap()]);
    assert!(ok, "{err}");
    let wee: Vec<&str> = out.lines().filter(|l| l.starts_with(query.to_str().unwrap())).collect();
    assert_eq!(wee.len(), 1, "{out}");
    let f: Vec<&str> = wee[0].split(',').collect();
    assert!(f[1].parse::<u32>().unwrap() <= 10 && f[2].ends_with("images/wee.jpg"), "{}", wee[0]);
    assert!(
        out.lines().filter(|l| l.starts_with(unrelated.to_str().unwrap())).all(|l| l.ends_with("images/q0122.jpg")),
        "{out}"
    );

    std::fs::write(&index, "not a hash list\n").unwrap();
    let (ok, _, err) = lodge(&["match", "--index", index.to_str().unwrap(), query.to_str().unwrap()]);
    assert!(!ok && err.contains("line 1 is neither a PDQ hash line nor a video frame line"), "{err}");
}

#[test]
fn match_takes_an_index_hashed_from_a_folder_with_videos_in_it() {
    // The README's workflow: hash a folder of her photos and videos, then match downloads.
    let dir = tempfile::tempdir().unwrap();
    let hers = dir.path().join("hers");
    std::fs::create_dir(&hers).unwrap();
    std::fs::copy(vectors().join("pdq/images/wee.jpg"), hers.join("wee.jpg")).unwrap();
    let video = vectors().join("vpdq/videos/chair-orig-22-sd-bar.mp4");
    std::fs::copy(&video, hers.join("chair.mp4")).unwrap();
    let (ok, known, err) = lodge(&["hash", hers.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(known.lines().any(|l| l.starts_with("# ") && l.contains("chair.mp4,md5=")), "{known}");
    let index = dir.path().join("mine.csv");
    std::fs::write(&index, &known).unwrap();

    // A re-encoded copy of her video with a logo on it, and a photo of hers, are both found;
    // an unrelated video is not.
    let copy = vectors().join("vpdq/videos/chair-22-with-small-logo-bar.mp4");
    let unrelated = vectors().join("vpdq/videos/doorknob-hd-no-bar.mp4");
    let photo = vectors().join("pdq/decoded/wee.png");
    let (ok, out, err) = lodge(&[
        "match",
        "--index",
        index.to_str().unwrap(),
        copy.to_str().unwrap(),
        unrelated.to_str().unwrap(),
        photo.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let hits = |query: &PathBuf| out.lines().filter(|l| l.starts_with(query.to_str().unwrap())).collect::<Vec<_>>();
    let video_hits = hits(&copy);
    assert!(!video_hits.is_empty(), "{out}");
    assert!(video_hits.iter().all(|l| l.contains("chair.mp4 at ") && l.ends_with(" s")), "{out}");
    assert!(hits(&unrelated).iter().all(|l| !l.contains("chair.mp4")), "{out}");
    assert!(hits(&photo).iter().any(|l| l.ends_with("wee.jpg")), "{out}");

    // Frame lines with nothing to say which video they are from are refused by line.
    let orphan: String = known.lines().filter(|l| !l.starts_with("# ")).collect::<Vec<_>>().join("\n");
    std::fs::write(&index, orphan).unwrap();
    let (ok, _, err) = lodge(&["match", "--index", index.to_str().unwrap(), photo.to_str().unwrap()]);
    assert!(!ok && err.contains("video frame line with no `# path,md5=` line before it"), "{err}");
}
