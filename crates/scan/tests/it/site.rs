//! A pirate site in a temporary folder, served by Python's `http.server`, with videos made by
//! FFmpeg.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use image::{DynamicImage, ImageFormat, Rgb};
use lodge_pdq::file::{FileHashes, FileOptions};
use lodge_pdq::{Hasher, MATCH_DISTANCE};
use lodge_scan::fetch::{FetchError, FetchSettings, Fetcher};
use lodge_scan::registry::{Content, Registry, VIDEO_MATCH_PERCENT};
use lodge_scan::{Closeness, scan};

use lodge_testkit::site::serve;
use url::Url;

pub(crate) fn vector(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/pdq/images").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn jpeg(image: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    image.to_rgb8().write_with_encoder(encoder).unwrap();
    out
}

pub(crate) fn png(image: &DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The ways pirate sites change an image.
fn variants(original: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let image = image::load_from_memory(original).unwrap();
    let (w, h) = (image.width(), image.height());
    let mut marked = image.to_rgb8();
    // A white band across the bottom eighth with dark "lettering".
    for y in h - h / 8..h {
        for x in 0..w {
            let letter = (x / 6) % 3 == 0 && (y % 10) < 6;
            marked.put_pixel(x, y, if letter { Rgb([20, 20, 20]) } else { Rgb([245, 245, 245]) });
        }
    }
    vec![
        ("reencoded.jpg", jpeg(&image, 35)),
        ("resized.png", png(&image.resize(w / 2, h / 2, image::imageops::FilterType::Triangle))),
        // A tenth cut off, unevenly: 3% from the left and 7% from the right.
        ("cropped.jpg", jpeg(&image.crop_imm(w * 3 / 100, 0, w - w / 10, h), 85)),
        ("watermarked.jpg", jpeg(&DynamicImage::ImageRgb8(marked), 85)),
        ("flipped.jpg", jpeg(&image.fliph(), 85)),
    ]
}

/// Her video: three of the PDQ test images, two seconds each, at 320×240 and 10 frames a second.
pub(crate) fn her_video(out: &Path) {
    let still = |name: &str| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/vectors/pdq/images")
            .join(name)
            .display()
            .to_string()
    };
    let (a, b, c) = (still("q0291.jpg"), still("q0746.jpg"), still("bridge-1-original.jpg"));
    let mut args: Vec<&str> = Vec::new();
    for input in [&a, &b, &c] {
        args.extend(["-loop", "1", "-t", "2", "-i", input.as_str()]);
    }
    args.extend([
        "-filter_complex",
        "[0]scale=320:240,setsar=1[a];[1]scale=320:240,setsar=1[b];[2]scale=320:240,setsar=1[c];[a][b][c]concat=n=3:v=1",
        "-r",
        "10",
        "-pix_fmt",
        "yuv420p",
    ]);
    ffmpeg(&args, out);
}

pub(crate) fn ffmpeg(args: &[&str], out: &Path) {
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(out)
        .status()
        .expect("ffmpeg is installed");
    assert!(status.success());
}

pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

pub(crate) fn local(obey_robots: bool) -> FetchSettings {
    FetchSettings {
        allow_private: true,
        obey_robots,
        per_host_interval: Duration::from_millis(5),
        ..FetchSettings::default()
    }
}

#[tokio::test]
async fn a_scan_finds_every_changed_copy_and_none_of_the_unrelated_images() {
    let originals = [("bridge", vector("bridge-1-original.jpg")), ("pen", vector("pen-and-coaster.png"))];
    let unrelated = ["q0003.jpg", "q1050.jpg", "q2821.jpg", "c.png"];
    let dir = tempfile::tempdir().unwrap();
    let mut copies = Vec::new();
    let mut body = String::from("<html><head><meta property=\"og:image\" content=\"/og.jpg\"></head><body>\n");
    for (name, bytes) in &originals {
        for (i, (kind, variant)) in variants(bytes).into_iter().enumerate() {
            let file = format!("{name}-{kind}");
            write(dir.path(), &file, &variant);
            // Every way a page names an image: src, srcset, data-src and plain links.
            body.push_str(&match i % 4 {
                0 => format!("<img src=\"{file}\" alt=\"\">\n"),
                1 => format!("<img srcset=\"{file} 2x, missing.jpg 1x\" alt=\"\">\n"),
                2 => format!("<img data-src=\"/{file}\" alt=\"\">\n"),
                _ => format!("<a href=\"./{file}\">full size</a>\n"),
            });
            copies.push(file);
        }
    }
    write(dir.path(), "og.jpg", &jpeg(&image::load_from_memory(&originals[0].1).unwrap().grayscale(), 80));
    copies.push("og.jpg".into());
    for name in unrelated {
        write(dir.path(), name, &vector(name));
        body.push_str(&format!("<img src=\"{name}\" alt=\"\">\n"));
    }
    // Her video, a smaller re-encoded copy of it, and someone else's video.
    let her_video = dir.path().join("her.mp4");
    self::her_video(&her_video);
    ffmpeg(&["-i", her_video.to_str().unwrap(), "-vf", "scale=240:180", "-b:v", "150k"], &dir.path().join("copy.mp4"));
    ffmpeg(
        &["-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=10", "-t", "6", "-pix_fmt", "yuv420p"],
        &dir.path().join("other.mp4"),
    );
    let hers = lodge_pdq::file::hash_file(
        &her_video,
        &FileOptions { force_video: true, ..FileOptions::default() },
        &mut Hasher::new(),
    )
    .unwrap();
    std::fs::remove_file(&her_video).unwrap();
    copies.push("copy.mp4".into());
    body.push_str("<video><source src=\"copy.mp4\"></video><a href=\"other.mp4\">clip</a><a href=\"/private/\">more</a></body></html>\n");
    write(dir.path(), "index.html", body.as_bytes());
    std::fs::create_dir(dir.path().join("private")).unwrap();
    write(dir.path(), "private/index.html", b"<img src=\"/bridge-flipped.jpg\">");
    write(dir.path(), "robots.txt", b"User-agent: *\nDisallow: /private/\n");
    let site = serve(dir);

    let mut registry = Registry::new();
    let mut hasher = Hasher::new();
    for (name, bytes) in &originals {
        registry.add_image(Content { id: (*name).into(), label: format!("My {name}") }, bytes, &mut hasher).unwrap();
    }
    let FileHashes::Video { frames, md5 } = hers else { panic!("not a video") };
    registry.add_video(Content { id: "video".into(), label: "My video".into() }, frames, md5);
    let matcher = registry.finish().unwrap();
    let fetcher = Fetcher::new(local(true)).unwrap();
    let addresses = [site.url.to_string(), site.url.join("private/").unwrap().to_string()];
    let report = scan(&fetcher, &matcher, &addresses, MATCH_DISTANCE).await;

    let found: Vec<String> = report.findings.iter().map(|f| f.media.rsplit('/').next().unwrap().to_owned()).collect();
    for copy in &copies {
        assert!(found.contains(copy), "{copy} was not found: {:#?}", report);
    }
    for name in unrelated.iter().chain(&["other.mp4"]) {
        assert!(!found.contains(&(*name).to_owned()), "{name} is not hers: {:#?}", report.findings);
    }
    assert_eq!(found.len(), copies.len());
    for f in &report.findings {
        let (want, close) = match f.closeness {
            Closeness::Distance(d) => (if f.media.contains("pen-") { "pen" } else { "bridge" }, d <= MATCH_DISTANCE),
            Closeness::FramesMatched(p) => ("video", p >= VIDEO_MATCH_PERCENT),
        };
        assert_eq!(f.content.id, want, "{}", f.media);
        assert!(close, "{f:?}");
        assert_eq!(f.page, site.url.to_string());
        assert_eq!(f.sha256.len(), 64);
    }
    assert_eq!(report.pages, 1);
    let unreadable = report.skipped.iter().filter(|(_, why)| why.contains("cannot be fingerprinted")).count();
    assert_eq!(report.images + unreadable, copies.len() - 1 + unrelated.len(), "{:?}", report.skipped);
    assert_eq!(report.videos, 2);
    let skipped = |needle: &str| report.skipped.iter().any(|(u, why)| u.contains(needle) && !why.is_empty());
    assert!(
        report.skipped.iter().any(|(u, why)| u.ends_with("/private/") && why.contains("robots.txt")),
        "{:?}",
        report.skipped
    );
    assert!(skipped("missing.jpg"), "a missing image is named, not fatal");

    // With robots.txt not obeyed (the organisation's choice), the private page is read too.
    let fetcher = Fetcher::new(local(false)).unwrap();
    let report = scan(&fetcher, &matcher, &addresses[1..], MATCH_DISTANCE).await;
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].page, addresses[1]);
}

#[tokio::test]
async fn private_addresses_and_oversized_responses_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.jpg", &vec![0u8; 200_000]);
    let site = serve(dir);
    let public_only = Fetcher::new(FetchSettings::default()).unwrap();
    for address in [
        site.url.join("big.jpg").unwrap(),
        Url::parse("http://[::1]/").unwrap(),
        Url::parse("http://10.0.0.1/x").unwrap(),
        // Private IPv4 addresses carried inside IPv6: compatible, mapped, 6to4, NAT64; Teredo.
        Url::parse("http://[::7f00:1]/").unwrap(),
        Url::parse("http://[::ffff:10.0.0.1]/").unwrap(),
        Url::parse("http://[2002:c0a8:101::1]/").unwrap(),
        Url::parse("http://[64:ff9b::a00:1]/").unwrap(),
        Url::parse("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/").unwrap(),
        Url::parse("http://0.0.0.0/").unwrap(),
        Url::parse("http://100.64.0.1/").unwrap(),
    ] {
        assert_eq!(public_only.get(&address).await.unwrap_err(), FetchError::Private, "{address}");
    }
    let localhost = Url::parse(&format!("http://localhost:{}/big.jpg", site.url.port().unwrap())).unwrap();
    assert!(
        matches!(public_only.get(&localhost).await, Err(FetchError::Request(_))),
        "a name for a private address is refused too"
    );
    let small = Fetcher::new(FetchSettings { max_bytes: 100_000, ..local(false) }).unwrap();
    assert_eq!(small.get(&site.url.join("big.jpg").unwrap()).await.unwrap_err(), FetchError::TooLarge(100_000));
    assert_eq!(small.get(&Url::parse("file:///etc/passwd").unwrap()).await.unwrap_err(), FetchError::NotWeb);
    let whole = small.get(&site.url.join("missing.jpg").unwrap()).await.unwrap_err();
    assert_eq!(whole, FetchError::Status(404));
}
