//! vPDQ against the reference hashes in `../shared/vectors/vpdq`, decoded by real FFmpeg.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use lodge_pdq::vpdq::{FrameHash, VideoOptions, hash_video, match_videos, md5_file, probe};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/vpdq")
}

const VIDEOS: [&str; 6] = [
    "chair-22-sd-sepia-bar",
    "chair-22-with-small-logo-bar",
    "chair-orig-22-sd-bar",
    "doorknob-hd-no-bar",
    "pattern-hd-no-bar",
    "pattern-sd-grey-bar",
];

/// Every sample video hashed at every frame, once for all tests.
fn every_frame() -> &'static HashMap<&'static str, Vec<FrameHash>> {
    static HASHES: OnceLock<HashMap<&'static str, Vec<FrameHash>>> = OnceLock::new();
    HASHES.get_or_init(|| {
        let options = VideoOptions { interval: 0.0, ..VideoOptions::default() };
        VIDEOS
            .iter()
            .map(|name| (*name, hash_video(&dir().join(format!("videos/{name}.mp4")), &options, |_| {}).unwrap()))
            .collect()
    })
}

fn reference(name: &str) -> Vec<FrameHash> {
    let text = std::fs::read_to_string(dir().join(format!("hashes/{name}.txt"))).unwrap();
    text.lines().map(|l| FrameHash::parse_line(l).unwrap()).collect()
}

#[test]
fn every_frame_matches_the_reference() {
    for name in VIDEOS {
        let ours = &every_frame()[name];
        let theirs = reference(name);
        assert_eq!(ours.len(), theirs.len(), "{name}: frame count");
        let close = ours
            .iter()
            .zip(&theirs)
            .filter(|(a, b)| a.frame == b.frame && a.pdq.hash.distance(&b.pdq.hash) <= 31)
            .count();
        let share = close as f64 / theirs.len() as f64;
        assert!(share >= 0.95, "{name}: only {:.1}% of frames within 31 bits", share * 100.0);
        // Converting with swscale's C path reproduces the reference exactly, quality included.
        let exact = ours.iter().zip(&theirs).filter(|(a, b)| a.pdq == b.pdq).count();
        assert!(exact as f64 >= 0.95 * theirs.len() as f64, "{name}: {exact} of {} frames exact", theirs.len());
        let lines_agree =
            ours.iter().zip(&theirs).all(|(a, b)| (a.timestamp - b.timestamp).abs() < 0.0015 && a.frame == b.frame);
        assert!(lines_agree, "{name}: frame numbers and timestamps");
    }
}

#[test]
fn variants_of_a_clip_match_and_other_clips_do_not() {
    let h = every_frame();
    let chairs = ["chair-22-sd-sepia-bar", "chair-22-with-small-logo-bar", "chair-orig-22-sd-bar"];
    // Variants whose videos are not in the vectors are compared through their reference hashes.
    let chair_19 = reference("chair-19-sd-bar");
    let pattern_longer = reference("pattern-longer-no-bar");
    for a in chairs {
        for b in chairs {
            let m = match_videos(&h[a], &h[b]);
            assert!(m.query_at_least(80.0) && m.compared_percent >= 80.0, "{a} ~ {b}: {m:?}");
        }
        let m = match_videos(&chair_19, &h[a]);
        assert!(m.query_at_least(80.0), "chair-19-sd-bar ~ {a}: {m:?}");
    }
    let m = match_videos(&h["pattern-hd-no-bar"], &pattern_longer);
    assert!(m.query_at_least(80.0) && m.compared_percent >= 80.0, "pattern-hd ~ pattern-longer: {m:?}");
    for a in chairs {
        for b in ["pattern-hd-no-bar", "pattern-sd-grey-bar", "doorknob-hd-no-bar"] {
            let m = match_videos(&h[a], &h[b]);
            assert!(m.query_percent == 0.0 && m.compared_percent == 0.0, "{a} !~ {b}: {m:?}");
        }
    }
}

#[test]
fn one_frame_a_second_in_the_reference_format() {
    let path = dir().join("videos/pattern-sd-grey-bar.mp4");
    let hashes = hash_video(&path, &VideoOptions::default(), |_| {}).unwrap();
    let frames: Vec<u64> = hashes.iter().map(|f| f.frame).collect();
    assert_eq!(&frames[..3], &[0, 30, 60]);
    let every = &every_frame()["pattern-sd-grey-bar"];
    for f in &hashes {
        assert_eq!(f.pdq, every[f.frame as usize].pdq, "frame {} is hashed the same either way", f.frame);
    }
    let line = hashes[1].to_line();
    assert_eq!(FrameHash::parse_line(&line), Some(hashes[1]));
    assert!(line.starts_with("30,") && line.ends_with(",1.000"), "{line}");
    let info = probe(&path, &VideoOptions::default()).unwrap();
    assert_eq!((info.width, info.height, info.fps), (480, 720, 30.0));
    let seconds = info.duration.unwrap();
    assert!((6.8..7.0).contains(&seconds), "{seconds}");
    assert_eq!(hashes.len(), seconds.ceil() as usize, "one frame a second, from the first");
}

#[test]
fn md5_of_the_whole_file() {
    let path = dir().join("videos/doorknob-hd-no-bar.mp4");
    let out = std::process::Command::new("md5sum").arg(&path).output().unwrap();
    let expected = String::from_utf8(out.stdout).unwrap();
    assert_eq!(md5_file(&path).unwrap(), expected.split_whitespace().next().unwrap());
}

#[test]
fn broken_videos_give_an_error_not_a_crash() {
    let tmp = std::env::temp_dir().join(format!("lodge-vpdq-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let whole = std::fs::read(dir().join("videos/doorknob-hd-no-bar.mp4")).unwrap();
    let cases: [(&str, Vec<u8>); 3] = [
        ("truncated.mp4", whole[..whole.len() / 3].to_vec()),
        ("random.mp4", (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
        ("empty.mp4", Vec::new()),
    ];
    for (name, bytes) in cases {
        let path = tmp.join(name);
        std::fs::write(&path, bytes).unwrap();
        let result = hash_video(&path, &VideoOptions::default(), |_| {});
        assert!(result.is_err(), "{name} should not hash");
        assert!(!result.unwrap_err().to_string().is_empty());
    }
    let missing = hash_video(&tmp.join("missing.mp4"), &VideoOptions::default(), |_| {});
    assert!(missing.is_err());
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// Runs FFmpeg with `input` on standard input and returns its standard output.
fn ffmpeg(args: &[&str], input: Vec<u8>) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin"])
        .args(args)
        .stdin(if input.is_empty() { Stdio::null() } else { Stdio::piped() })
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let feeder = child.stdin.take().map(|mut stdin| std::thread::spawn(move || stdin.write_all(&input).unwrap()));
    let out = child.wait_with_output().unwrap();
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    assert!(out.status.success());
    out.stdout
}

#[test]
fn in_process_conversion_is_ffmpeg_s_c_path_byte_for_byte() {
    use lodge_pdq::vpdq::YuvToRgb;
    let doorknob = dir().join("videos/doorknob-hd-no-bar.mp4");
    let sources: Vec<(String, &str, usize, usize)> = vec![
        ("testsrc2=size=642x362:rate=5".into(), "yuv420p", 642, 362),
        ("testsrc2=size=644x362:rate=5".into(), "yuvj420p", 644, 362),
        (doorknob.to_str().unwrap().to_owned(), "yuv420p", 1280, 720),
    ];
    for (source, pix_fmt, width, height) in sources {
        let input: Vec<&str> =
            if source.starts_with("testsrc2") { vec!["-f", "lavfi", "-i", &source] } else { vec!["-i", &source] };
        let yuv =
            ffmpeg(&[&input[..], &["-frames:v", "3", "-pix_fmt", pix_fmt, "-f", "rawvideo", "-"]].concat(), Vec::new());
        let size = format!("{width}x{height}");
        let expected = ffmpeg(
            &["-cpuflags", "0", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", &size, "-i", "-", "-sws_flags", "area"]
                .into_iter()
                .chain(["-pix_fmt", "rgb24", "-f", "rawvideo", "-"])
                .collect::<Vec<_>>(),
            yuv.clone(),
        );
        let table = YuvToRgb::new(pix_fmt == "yuvj420p");
        let frame = width * height * 3 / 2;
        let mut rgb = vec![0u8; width * height * 3];
        for (n, (yuv_frame, expected_frame)) in
            yuv.chunks_exact(frame).zip(expected.chunks_exact(width * height * 3)).enumerate()
        {
            table.convert(yuv_frame, width, height, &mut rgb);
            let differing = rgb.iter().zip(expected_frame).filter(|(a, b)| a != b).count();
            assert_eq!(
                differing, 0,
                "{source} {pix_fmt} frame {n}: {differing} bytes differ from FFmpeg's C conversion"
            );
        }
        assert_eq!(expected.len(), 3 * width * height * 3, "three frames compared");
    }
}

#[test]
fn other_pixel_formats_and_odd_sizes_go_through_ffmpeg_s_own_conversion() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in
        [("444.mkv", ["-pix_fmt", "yuv444p", "-c:v", "ffv1"]), ("odd.mkv", ["-pix_fmt", "yuv420p", "-c:v", "ffv1"])]
    {
        let size = if name == "odd.mkv" { "321x241" } else { "320x240" };
        let path = dir.path().join(name);
        let source = format!("testsrc2=size={size}:rate=10");
        ffmpeg(
            &["-f", "lavfi", "-i", &source, "-t", "3", args[0], args[1], args[2], args[3], path.to_str().unwrap()],
            Vec::new(),
        );
        let hashes = hash_video(&path, &VideoOptions::default(), |_| {}).unwrap();
        assert_eq!(hashes.iter().map(|h| h.frame).collect::<Vec<_>>(), [0, 10, 20], "{name}: one frame a second");
        assert!(hashes.iter().all(|h| h.pdq.quality >= 50), "{name}: real pictures, not blank frames");
    }
}
