//! A pirate site built the way such sites are: every copy of her content named in a different
//! way a page can name it, next to decoys named the same ways. Every copy the static reader can
//! see is found, no decoy is listed, and the page whose scripts draw a copy says it needs a
//! browser.

use std::path::{Path, PathBuf};

use image::{DynamicImage, Rgb, RgbImage};
use lodge_pdq::file::{FileHashes, FileOptions};
use lodge_pdq::{Hasher, MATCH_DISTANCE};
use lodge_scan::browser::{Browser, BrowserSettings};
use lodge_scan::registry::{Content, Registry};
use lodge_scan::{NEEDS_BROWSER, scan, scan_with};
use lodge_testkit::site::serve;

use crate::site::{ffmpeg, her_video, jpeg, local, png, vector, write};

/// A picture inside bars or a frame of one colour.
fn framed(image: &DynamicImage, (x, y): (u32, u32), colour: [u8; 3]) -> DynamicImage {
    let mut out = RgbImage::from_pixel(image.width() + 2 * x, image.height() + 2 * y, Rgb(colour));
    image::imageops::overlay(&mut out, &image.to_rgb8(), i64::from(x), i64::from(y));
    DynamicImage::ImageRgb8(out)
}

/// The pirate site, her fingerprints, and what a scan must find there (media address, which of
/// hers), besides the copy only a script draws.
struct PirateSite {
    site: lodge_testkit::site::Site,
    matcher: lodge_scan::registry::Matcher,
    expected: Vec<(String, String)>,
    origin: String,
}

async fn pirate_site() -> PirateSite {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    for folder in ["p", "v", "cdn", "embed", "hls", "get_file/1/abcdefghijklmnopqrstuvwxyz012345/105/105.mp4"] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
    }
    let bridge = image::load_from_memory(&vector("bridge-1-original.jpg")).unwrap();
    let pen = image::load_from_memory(&vector("pen-and-coaster.png")).unwrap();
    let still = image::load_from_memory(&vector("q0746.jpg")).unwrap();
    let (pw, ph) = (pen.width(), pen.height());
    let copies: Vec<(&str, Vec<u8>)> = vec![
        ("p/lazy-original.jpg", jpeg(&bridge, 70)),
        ("p/lazy-srcset.jpg", png(&pen.resize(pw / 2, ph / 2, image::imageops::FilterType::Triangle))),
        (
            "p/inline-bg.jpg",
            jpeg(
                &bridge.resize(bridge.width() * 3 / 5, bridge.height() * 3 / 5, image::imageops::FilterType::Triangle),
                80,
            ),
        ),
        ("p/style-bg.jpg", jpeg(&pen, 75)),
        ("p/data-bg.jpg", jpeg(&bridge, 50)),
        ("p/ld-thumb.jpg", jpeg(&pen, 60)),
        ("p/next.png", png(&bridge)),
        ("p/twitter.jpg", jpeg(&pen, 85)),
        ("img.php", jpeg(&bridge, 60)),
        ("image", png(&pen)),
        ("p/kvs-preview.jpg", jpeg(&bridge, 65)),
        ("cdn/hotlinked.jpg", jpeg(&bridge, 75)),
        ("p/letterbox.jpg", jpeg(&framed(&bridge, (0, bridge.height() / 4), [0, 0, 0]), 85)),
        ("p/white-frame.jpg", jpeg(&framed(&pen, (pw / 8, ph / 8), [255, 255, 255]), 85)),
        ("p/crop-left.jpg", jpeg(&pen.crop_imm(pw / 10, 0, pw - pw / 10, ph), 85)),
        // A still of her video (a poster), not one of her images.
        ("p/poster.jpg", jpeg(&still.resize_exact(320, 240, image::imageops::FilterType::Triangle), 80)),
        // Drawn only by a script: needs a browser.
        ("p/scripted.jpg", jpeg(&pen, 70)),
    ];
    for (name, bytes) in &copies {
        write(&root, name, bytes);
    }
    let decoys =
        [("p/d1.jpg", "q0003.jpg"), ("p/d2.jpg", "q1050.jpg"), ("p/d3.jpg", "q2821.jpg"), ("p/d4.png", "c.png")];
    for (name, source) in decoys {
        write(&root, name, &vector(source));
    }
    let decoy = image::load_from_memory(&vector("q1050.jpg")).unwrap();
    write(&root, "p/d5-letterbox.jpg", &jpeg(&framed(&decoy, (0, decoy.height() / 4), [0, 0, 0]), 85));

    // AVIF, which Lodge reads through FFmpeg.
    let avif_source = root.join("avif-source.png");
    std::fs::write(&avif_source, png(&bridge)).unwrap();
    let avif_args =
        ["-i", avif_source.to_str().unwrap(), "-c:v", "libaom-av1", "-still-picture", "1", "-cpu-used", "8"];
    ffmpeg(&avif_args, &root.join("p/avif.avif"));
    std::fs::remove_file(&avif_source).unwrap();
    let her = root.join("her.mp4");
    her_video(&her);
    let hers = lodge_pdq::file::hash_file(
        &her,
        &FileOptions { force_video: true, ..FileOptions::default() },
        &mut Hasher::new(),
    )
    .unwrap();
    let her_path = her.to_str().unwrap().to_owned();
    ffmpeg(&["-i", &her_path, "-vf", "scale=240:180", "-b:v", "150k"], &root.join("v/ld.mp4"));
    ffmpeg(&["-i", &her_path, "-vf", "scale=288:216", "-b:v", "200k"], &root.join("v/embed.mp4"));
    ffmpeg(
        &["-i", &her_path, "-vf", "scale=256:192", "-b:v", "180k", "-f", "mp4"],
        &root.join("get_file/1/abcdefghijklmnopqrstuvwxyz012345/105/105.mp4/index.html"),
    );
    // A re-encoded copy with its first second cut, streamed in one-second segments: as HLS, and
    // as DASH with a timeline and with a fixed duration.
    let trimmed = ["-ss", "1", "-i", her_path.as_str(), "-vf", "scale=256:192", "-b:v", "200k", "-g", "10"];
    let segments = root.join("hls/seg%03d.ts").display().to_string();
    let hls = ["-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod", "-hls_segment_filename", &segments];
    ffmpeg(&[&trimmed[..], &hls[..]].concat(), &root.join("hls/index.m3u8"));
    for (folder, timeline) in [("dash", "1"), ("dash2", "0")] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        let dash = ["-f", "dash", "-seg_duration", "1", "-use_timeline", timeline];
        ffmpeg(&[&trimmed[..], &dash[..]].concat(), &root.join(folder).join("out.mpd"));
    }
    write(&root, "hls/master.m3u8", b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=4000000,RESOLUTION=1920x1080\nmissing-hd.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=256x192\nindex.m3u8\n");
    ffmpeg(
        &["-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=10", "-t", "6", "-pix_fmt", "yuv420p"],
        &root.join("v/other.mp4"),
    );
    std::fs::remove_file(&her).unwrap();
    // A player's preview sprite: four tiles, one a still of her video, named by a WebVTT track.
    let mut sprite = RgbImage::new(640, 120);
    for (i, name) in ["q0003.jpg", "q0746.jpg", "q1050.jpg", "c.png"].iter().enumerate() {
        let tile = image::load_from_memory(&vector(name)).unwrap().resize_exact(
            160,
            120,
            image::imageops::FilterType::Triangle,
        );
        image::imageops::overlay(&mut sprite, &tile.to_rgb8(), i as i64 * 160, 0);
    }
    write(&root, "v/sprite.jpg", &jpeg(&DynamicImage::ImageRgb8(sprite), 80));
    let cues: String = (0..4)
        .map(|i| format!("00:00:0{i}.000 --> 00:00:0{}.000\nsprite.jpg#xywh={},0,160,120\n\n", i + 1, i * 160))
        .collect();
    write(&root, "v/thumbs.vtt", format!("WEBVTT\n\n{cues}").as_bytes());
    write(
        &root,
        "embed/1.html",
        b"<html><body><video src=\"/v/embed.mp4\" poster=\"/p/poster.jpg\" controls></video></body></html>",
    );

    let site = serve(dir);
    let origin = site.url.as_str().trim_end_matches('/').to_owned();
    let page = format!(
        r#"<!doctype html><html><head>
<meta name="twitter:image" content="/p/twitter.jpg">
<style>.hero {{ background: #000 url("/p/style-bg.jpg") no-repeat; }} .x {{ background-image: url(/p/d3.jpg) }}</style>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"VideoObject","contentUrl":"/v/ld.mp4","thumbnailUrl":["/p/ld-thumb.jpg","/p/d4.png"]}}</script>
<script id="__NEXT_DATA__" type="application/json">{{"props":{{"pageProps":{{"gallery":[{{"src":"{origin_escaped}\/p\/next.png"}},{{"src":"{origin_escaped}\/p\/d1.jpg"}}]}}}}}}</script>
</head><body>
<nav><a href="/leaked/">Leaked</a> <a href="/fake/">Fake</a></nav>
<div class="hero"></div><div class="x"></div>
<img class="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-original="/p/lazy-original.jpg" alt="">
<img class="lazy" data-original="/p/d2.jpg" alt="">
<img data-srcset="/p/lazy-srcset.jpg 1x, /p/missing@2x.jpg 2x" alt="">
<div style="background-image: url('/p/inline-bg.jpg')"></div>
<div data-bg="/p/data-bg.jpg"></div>
<img src="/img.php?id=9" alt=""><img src="/image?format=jpg" alt="">
<img src="/cdn/hotlinked.jpg" alt="">
<img src="/p/letterbox.jpg" alt=""><img src="/p/d5-letterbox.jpg" alt="">
<picture><source srcset="/p/avif.avif" type="image/avif"><img src="/p/d1.jpg" alt=""></picture>
<img src="/p/white-frame.jpg" alt=""><img src="/p/crop-left.jpg" alt="">
<iframe src="/embed/1.html" width="640" height="360"></iframe>
<video class="video-js"><source src="/hls/master.m3u8" type="application/x-mpegURL"><track kind="metadata" src="/v/thumbs.vtt"></video>
<video><source src="/dash/out.mpd" type="application/dash+xml"></video><div data-video='{{"src": "/dash2/out.mpd"}}'></div>
<script type="application/ld+json">{{"@type":"VideoObject","contentUrl":"/dash2/out.mpd"}}</script>
<a href="/v/other.mp4">another clip</a>
<script>var flashvars = {{ video_id: '105', license_code: '$535719611511986', video_url: 'function/0/{origin}/get_file/1/5qc3rz01xlntskbgf4uvdympwoiej2ha/105/105.mp4/', video_url_text: '480p', preview_url: '{origin}/p/kvs-preview.jpg' }};</script>
<script>var i = document.createElement('img'); i.src = '/p/scr' + 'ipted.jpg'; document.body.appendChild(i);</script>
</body></html>"#,
        origin_escaped = origin.replace('/', "\\/"),
    );
    write(Path::new(&site_root(&site)), "index.html", page.as_bytes());

    let mut registry = Registry::new();
    let mut hasher = Hasher::new();
    registry
        .add_image(
            Content { id: "bridge".into(), label: "My bridge".into() },
            &vector("bridge-1-original.jpg"),
            &mut hasher,
        )
        .unwrap();
    registry
        .add_image(Content { id: "pen".into(), label: "My pen".into() }, &vector("pen-and-coaster.png"), &mut hasher)
        .unwrap();
    let FileHashes::Video { frames, md5 } = hers else { panic!("not a video") };
    registry.add_video(Content { id: "video".into(), label: "My video".into() }, frames, md5);
    let matcher = registry.finish().unwrap();
    let mut expected: Vec<(String, String)> = copies
        .iter()
        .filter(|(name, _)| *name != "p/scripted.jpg")
        .map(|(name, _)| {
            let name = match *name {
                "img.php" => "img.php?id=9",
                "image" => "image?format=jpg",
                other => other,
            };
            let id = if name.contains("pen")
                || name.starts_with("image")
                || name.contains("srcset")
                || name.contains("style-bg")
                || name.contains("ld-thumb")
                || name.contains("twitter")
                || name.contains("white-frame")
                || name.contains("crop-left")
            {
                "pen"
            } else if name == "p/poster.jpg" {
                "video"
            } else {
                "bridge"
            };
            (name.to_owned(), id.to_owned())
        })
        .collect();
    expected.push(("p/avif.avif".to_owned(), "bridge".to_owned()));
    expected.push(("v/sprite.jpg".to_owned(), "video".to_owned()));
    for video in [
        "dash/out.mpd",
        "dash2/out.mpd",
        "v/ld.mp4",
        "v/embed.mp4",
        "hls/master.m3u8",
        "get_file/1/abcdefghijklmnopqrstuvwxyz012345/105/105.mp4/",
    ] {
        expected.push((video.to_owned(), "video".to_owned()));
    }
    expected.sort();
    PirateSite { site, matcher, expected, origin }
}

fn found(report: &lodge_scan::Report, origin: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = report
        .findings
        .iter()
        .map(|f| {
            let media = f.media.trim_start_matches(origin).trim_start_matches('/');
            // A sprite sheet's finding names its tile: the sheet is what is expected.
            let media = media.split_once("#xywh=").map_or(media, |(sheet, _)| sheet);
            (media.to_owned(), f.content.id.clone())
        })
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn every_way_a_modern_page_names_a_copy_is_read_and_no_decoy_is_listed() {
    let PirateSite { site, matcher, expected, origin } = pirate_site().await;
    let fetcher = lodge_scan::fetch::Fetcher::new(local(false)).unwrap();
    let report = scan(&fetcher, &matcher, &[site.url.join("index.html").unwrap().to_string()], MATCH_DISTANCE).await;
    assert_eq!(found(&report, &origin), expected, "skipped: {:#?}", report.skipped);
    assert!(
        report.skipped.iter().any(|(address, why)| address.ends_with("/index.html") && why == NEEDS_BROWSER),
        "without a browser, the page that draws a copy with a script says it needs one: {:?}",
        report.skipped
    );
    assert!(report.skipped.iter().any(|(address, _)| address.ends_with("missing@2x.jpg")), "a missing image is named");
    assert!(!report.skipped.iter().any(|(address, _)| address.contains("leaked")), "navigation is not fetched");
}

/// With Chromium (installed by `.ci/run`), the copy a script draws is found too, and nothing is
/// said to need a browser.
#[tokio::test]
async fn with_a_browser_what_scripts_draw_is_found_too() {
    let PirateSite { site, matcher, mut expected, origin } = pirate_site().await;
    let browser = Browser::launch(BrowserSettings::default()).await.expect("Chromium is installed for the tests");
    let fetcher = lodge_scan::fetch::Fetcher::new(local(false)).unwrap();
    let pages = [site.url.join("index.html").unwrap().to_string()];
    let report = scan_with(&fetcher, &matcher, &pages, MATCH_DISTANCE, Some(&browser)).await;
    browser.close().await;
    expected.push(("p/scripted.jpg".to_owned(), "pen".to_owned()));
    expected.sort();
    assert_eq!(found(&report, &origin), expected, "skipped: {:#?}", report.skipped);
    assert!(!report.skipped.iter().any(|(_, why)| why == NEEDS_BROWSER), "{:?}", report.skipped);
}

/// The browser reaches nothing itself: with private addresses off, a page that loads images,
/// frames, `fetch()` calls and a WebSocket on a loopback address — by number, by `localhost` and
/// over IPv6 — gets nothing through, and the listener there sees no connection at all.
#[tokio::test]
async fn the_browser_never_reaches_a_private_address() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counting = connections.clone();
    let server = tokio::spawn(async move {
        while let Ok((_socket, _)) = listener.accept().await {
            counting.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let html = format!(
        r#"<html><body><img src="http://127.0.0.1:{port}/a.jpg"><img src="http://localhost:{port}/b.jpg">
<iframe src="http://127.0.0.1:{port}/frame"></iframe><video src="http://127.0.0.1:{port}/v.mp4"></video>
<script>fetch('http://127.0.0.1:{port}/c').catch(() => {{}}); try {{ new WebSocket('ws://127.0.0.1:{port}/ws'); }} catch (e) {{}}
var i = new Image(); i.src = 'http://[::1]:{port}/d.jpg'; navigator.sendBeacon('http://127.0.0.1:{port}/beacon', 'x');</script>
</body></html>"#
    );
    let page = lodge_scan::fetch::Fetched {
        url: url::Url::parse("http://pirate.example/page").unwrap(),
        content_type: "text/html".into(),
        charset: None,
        bytes: html.into_bytes(),
        at: jiff::Timestamp::now(),
    };
    let fetcher = lodge_scan::fetch::Fetcher::new(lodge_scan::fetch::FetchSettings {
        timeout: std::time::Duration::from_secs(5),
        ..lodge_scan::fetch::FetchSettings::default()
    })
    .unwrap();
    let browser = Browser::launch(BrowserSettings::default()).await.expect("Chromium is installed for the tests");
    let rendered = browser.render(&fetcher, &page).await.unwrap();
    browser.close().await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.abort();
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the browser connected: {:?}",
        rendered.refused
    );
    assert!(rendered.images.is_empty());
    let refused = |path: &str| rendered.refused.iter().any(|(address, _)| address.contains(path));
    assert!(refused("/a.jpg") && refused("/b.jpg") && refused("/frame"), "{:?}", rendered.refused);
    assert!(rendered.refused.iter().any(|(_, why)| why.contains("private network")), "{:?}", rendered.refused);
    assert!(rendered.screenshot.is_some_and(|png| png.starts_with(b"\x89PNG")), "the page as rendered is kept");
}

/// The folder a site serves (the tests write the page once the address is known).
fn site_root(site: &lodge_testkit::site::Site) -> PathBuf {
    site.root().to_path_buf()
}

/// A search page that draws its results with a script: name watch finds them only through the
/// browser, and still lists no navigation link.
#[tokio::test]
async fn name_watch_reads_results_a_script_draws() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "search.html",
        br#"<html><body><nav><a href="/leaked/">Leaked</a> <a href="/c/ruby/">Ruby</a></nav><div id="results"></div>
<script>
const results = [{"t": "Ruby Red leaked video", "u": "/v/1"}, {"t": "Ruby Red leaked photos", "u": "/v/2"}];
for (const r of results) { const a = document.createElement('a'); a.href = r.u; a.textContent = r.t; document.getElementById('results').appendChild(a); }
</script></body></html>"#,
    );
    let site = serve(dir);
    let search = lodge_scan::watch::SearchSite {
        name: "tube".into(),
        search_url: format!("{}search.html?q={{query}}", site.url),
    };
    let fetcher = lodge_scan::fetch::Fetcher::new(local(false)).unwrap();
    let without = lodge_scan::watch::search(&fetcher, &search, "Ruby Red leaked").await.unwrap();
    assert!(without.is_empty(), "{without:?}");
    let browser = Browser::launch(BrowserSettings::default()).await.expect("Chromium is installed for the tests");
    let with = lodge_scan::watch::search_with(&fetcher, &search, "Ruby Red leaked", Some(&browser)).await.unwrap();
    browser.close().await;
    let urls: Vec<&str> = with.iter().map(|h| h.url.rsplit('/').next().unwrap_or("")).collect();
    assert_eq!(urls, ["1", "2"], "{with:?}");
}

/// A browser profile left behind by a Lodge process that was killed is deleted at the next
/// launch; a live process's profile, one of unknown owner that is new, and other folders stay.
#[test]
fn profiles_of_dead_processes_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let mut finished = std::process::Command::new("true").spawn().unwrap();
    let dead = finished.id();
    finished.wait().unwrap();
    for (name, owner) in [
        ("lodge-browser-dead", Some(dead.to_string())),
        ("lodge-browser-live", Some(std::process::id().to_string())),
        ("lodge-browser-unknown", None),
        ("something-else", Some(dead.to_string())),
    ] {
        std::fs::create_dir(dir.path().join(name)).unwrap();
        write(&dir.path().join(name), "Cookies", b"what a pirate page stored");
        if let Some(owner) = owner {
            write(&dir.path().join(name), "lodge-owner", owner.as_bytes());
        }
    }
    lodge_scan::browser::sweep_profiles(dir.path());
    let left: std::collections::BTreeSet<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["lodge-browser-live", "lodge-browser-unknown", "something-else"].map(String::from).into());
}
