//! vPDQ: PDQ hashes of a video's frames, decoded by FFmpeg (run as a subprocess, so no codec
//! runs inside Lodge), one frame per interval, with the reference's line format and matching
//! rules. Also the MD5 of the whole file, which is what StopNCII shares for video.
//!
//! FFmpeg decodes at full speed (SIMD) and passes on only the frames to hash, in the video's
//! own pixel format. Those frames must then become RGB exactly as the reference's did: with
//! swscale's portable C conversion (`-cpuflags 0`, area scaling). Its SIMD conversion rounds
//! differently and moves low-quality frames by dozens of bits. For 8-bit 4:2:0 video with even
//! sides, by far the common case, Lodge does that C conversion itself ([`YuvToRgb`], checked
//! byte for byte against FFmpeg); any other format goes through a second FFmpeg process
//! running the C path.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use md5::{Digest, Md5};

use crate::{Hash256, Hasher, MATCH_DISTANCE, MIN_QUALITY, PdqHash};

/// One hashed frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameHash {
    /// Frame number from 0, counting every decoded frame.
    pub frame: u64,
    /// The frame's PDQ hash and quality.
    pub pdq: PdqHash,
    /// Seconds from the start (frame number divided by the frame rate).
    pub timestamp: f64,
}

impl FrameHash {
    /// The reference's line: `frameNumber,quality,pdq_hex,timestamp`.
    pub fn to_line(&self) -> String {
        format!("{},{},{},{:.3}", self.frame, self.pdq.quality, self.pdq.hash, self.timestamp)
    }

    /// Reads a line in the reference's format.
    pub fn parse_line(line: &str) -> Option<FrameHash> {
        let mut f = line.trim().split(',');
        let frame = f.next()?.parse().ok()?;
        let quality = f.next()?.parse().ok()?;
        let hash = f.next()?.parse().ok()?;
        let timestamp = f.next()?.parse().ok()?;
        Some(FrameHash { frame, pdq: PdqHash { hash, quality }, timestamp })
    }
}

/// Options for hashing a video.
#[derive(Debug, Clone)]
pub struct VideoOptions {
    /// Seconds between hashed frames; 0 hashes every frame.
    pub interval: f64,
    /// The `ffmpeg` program.
    pub ffmpeg: String,
    /// The `ffprobe` program.
    pub ffprobe: String,
    /// Largest frame accepted, in pixels.
    pub max_pixels: u64,
}

impl Default for VideoOptions {
    fn default() -> Self {
        VideoOptions { interval: 1.0, ffmpeg: "ffmpeg".into(), ffprobe: "ffprobe".into(), max_pixels: 8192 * 8192 }
    }
}

/// Why a video could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    /// FFmpeg could not be started.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// Which program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not a video FFmpeg can read, or no video stream in it.
    #[error("not a readable video: {0}")]
    NotVideo(String),
    /// Frames larger than allowed.
    #[error("video frames too large: {width}×{height}")]
    TooLarge {
        /// Width.
        width: u64,
        /// Height.
        height: u64,
    },
    /// Decoding failed part-way (corrupt or truncated file).
    #[error("the video is corrupt or truncated: {0}")]
    Corrupt(String),
    /// Reading the file failed.
    #[error("reading the file failed: {0}")]
    Io(#[from] std::io::Error),
}

/// What a video's first video stream is.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamInfo {
    /// Frame width.
    pub width: u64,
    /// Frame height.
    pub height: u64,
    /// Frames per second.
    pub fps: f64,
    /// FFmpeg's name for the decoded pixel format, e.g. `yuv420p`.
    pub pix_fmt: String,
    /// Length in seconds, when the container says.
    pub duration: Option<f64>,
}

/// Asks ffprobe for the first video stream's size and frame rate.
pub fn probe(path: &Path, options: &VideoOptions) -> Result<StreamInfo, VideoError> {
    let out = Command::new(&options.ffprobe)
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height,pix_fmt,avg_frame_rate,r_frame_rate:format=duration",
            "-of",
            "default=noprint_wrappers=1",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| VideoError::Spawn { program: options.ffprobe.clone(), source })?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field =
        |name: &str| text.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix('='))).map(str::trim);
    let first_error = || String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("no video stream").to_owned();
    let width: u64 = field("width").and_then(|v| v.parse().ok()).ok_or_else(|| VideoError::NotVideo(first_error()))?;
    let height: u64 =
        field("height").and_then(|v| v.parse().ok()).ok_or_else(|| VideoError::NotVideo(first_error()))?;
    let fps =
        [field("avg_frame_rate"), field("r_frame_rate")].into_iter().flatten().find_map(parse_rate).unwrap_or(30.0);
    let pix_fmt = field("pix_fmt")
        .filter(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .ok_or_else(|| VideoError::NotVideo("unknown pixel format".into()))?
        .to_owned();
    let duration = field("duration").and_then(|v| v.parse::<f64>().ok()).filter(|d| d.is_finite() && *d > 0.0);
    Ok(StreamInfo { width, height, fps, pix_fmt, duration })
}

fn parse_rate(text: &str) -> Option<f64> {
    let (n, d) = text.split_once('/').unwrap_or((text, "1"));
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (n > 0.0 && d > 0.0).then(|| n / d)
}

/// Hashes a video: every `interval` seconds of frames (every frame for 0), calling `progress`
/// with each hashed frame.
pub fn hash_video(
    path: &Path,
    options: &VideoOptions,
    mut progress: impl FnMut(&FrameHash),
) -> Result<Vec<FrameHash>, VideoError> {
    let info = probe(path, options)?;
    if info.width == 0 || info.height == 0 || info.width.saturating_mul(info.height) > options.max_pixels {
        return Err(VideoError::TooLarge { width: info.width, height: info.height });
    }
    let step = if options.interval <= 0.0 { 1 } else { ((options.interval * info.fps).round() as u64).max(1) };
    let spawn = |command: &mut Command, program: &str| {
        command
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| VideoError::Spawn { program: program.to_owned(), source })
    };
    let mut decode = Command::new(&options.ffmpeg);
    decode.args(["-v", "error", "-xerror", "-nostdin", "-i"]).arg(path).args(["-map", "0:v:0", "-an", "-sn", "-dn"]);
    if step > 1 {
        // Every frame is decoded, as it must be, but only the frames to hash are passed on.
        decode.args(["-vf", &format!("select=not(mod(n\\,{step}))")]);
    }
    decode.args(["-fps_mode", "passthrough", "-pix_fmt", &info.pix_fmt, "-f", "rawvideo", "-"]);
    let mut decoder = spawn(decode.stdin(Stdio::null()).stdout(Stdio::piped()), &options.ffmpeg)?;
    let raw = decoder.stdout.take().ok_or_else(|| VideoError::Corrupt("no output".into()))?;
    let (width, height) = (info.width as usize, info.height as usize);
    let in_process = YuvToRgb::for_stream(&info);
    let mut children = vec![decoder];
    // Frames arrive as 4:2:0 YUV to convert here, or as RGB from a second FFmpeg.
    let (mut reader, input_len): (Box<dyn Read>, usize) = match &in_process {
        Some(_) => (Box::new(raw), width * height + 2 * (width / 2) * (height / 2)),
        None => {
            let size = format!("{}x{}", info.width, info.height);
            let mut convert = Command::new(&options.ffmpeg);
            convert
                .args(["-v", "error", "-nostdin", "-cpuflags", "0", "-f", "rawvideo", "-pix_fmt", &info.pix_fmt])
                .args(["-s", &size, "-i", "-", "-sws_flags", "area", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"]);
            match spawn(convert.stdin(Stdio::from(raw)).stdout(Stdio::piped()), &options.ffmpeg) {
                Ok(mut converter) => {
                    let rgb = converter.stdout.take().ok_or_else(|| VideoError::Corrupt("no output".into()));
                    children.push(converter);
                    match rgb {
                        Ok(rgb) => (Box::new(rgb), width * height * 3),
                        Err(e) => return Err(stop(children, e)),
                    }
                }
                Err(e) => return Err(stop(children, e)),
            }
        }
    };
    let messages: Vec<_> = children.iter_mut().map(collect_stderr).collect();
    let mut input = vec![0u8; input_len];
    let mut rgb = if in_process.is_some() { vec![0u8; width * height * 3] } else { Vec::new() };
    let mut hasher = Hasher::new();
    let mut hashes = Vec::new();
    let read_all = (|| -> Result<(), VideoError> {
        let mut index: u64 = 0;
        // Read straight into the frame buffer: frames are large, and a buffered reader would copy each twice.
        while read_frame(&mut reader, &mut input)? {
            let frame = match &in_process {
                Some(table) => {
                    table.convert(&input, width, height, &mut rgb);
                    &rgb
                }
                None => &input,
            };
            let pdq = hasher.hash_rgb(frame, width, height).map_err(|e| VideoError::Corrupt(e.to_string()))?;
            let number = index * step;
            let fh = FrameHash { frame: number, pdq, timestamp: number as f64 / info.fps };
            progress(&fh);
            hashes.push(fh);
            index += 1;
        }
        Ok(())
    })();
    if let Err(e) = read_all {
        // Leave no FFmpeg running behind a failed read.
        return Err(stop(children, e));
    }
    let mut all_succeeded = true;
    for child in &mut children {
        all_succeeded &= child.wait()?.success();
    }
    let messages: Vec<String> = messages.into_iter().map(|m| m.join().unwrap_or_default()).collect();
    if !all_succeeded || hashes.is_empty() {
        let first = messages.iter().flat_map(|m| m.lines()).next().unwrap_or("no frames could be decoded").to_owned();
        return Err(VideoError::Corrupt(first));
    }
    Ok(hashes)
}

/// Stops every FFmpeg of a pipeline that failed, and passes the error on.
fn stop(children: Vec<std::process::Child>, error: VideoError) -> VideoError {
    for mut child in children {
        let _ = child.kill();
        let _ = child.wait();
    }
    error
}

/// swscale's portable C conversion of 8-bit 4:2:0 YUV to RGB, as FFmpeg 5.1 runs it for a
/// same-size `yuv420p`/`yuvj420p` → `rgb24` conversion with `-cpuflags 0`: a luma table and
/// per-chroma offsets into it, built with the same integer arithmetic. Raw frames carry no
/// colour tags, so FFmpeg uses its "unspecified" (BT.601) coefficients, limited range unless
/// the format is `yuvj420p`.
#[derive(Debug, Clone)]
pub struct YuvToRgb {
    luma: Vec<u8>,
    r_v: [i32; 256],
    g_u: [i32; 256],
    g_v: [i32; 256],
    b_u: [i32; 256],
}

impl YuvToRgb {
    /// The conversion for a stream, if it is 8-bit 4:2:0 with even sides.
    pub fn for_stream(info: &StreamInfo) -> Option<YuvToRgb> {
        let even = info.width.is_multiple_of(2) && info.height.is_multiple_of(2);
        match info.pix_fmt.as_str() {
            "yuv420p" if even => Some(YuvToRgb::new(false)),
            "yuvj420p" if even => Some(YuvToRgb::new(true)),
            _ => None,
        }
    }

    /// The tables for limited-range (`full_range == false`) or full-range YUV.
    pub fn new(full_range: bool) -> YuvToRgb {
        const HEADROOM: i64 = 512;
        // Rv, Bu, -Gu, -Gv for "unspecified" colour, scaled by 2^16 (FFmpeg's coefficient table).
        let (mut crv, mut cbu, mut cgu, mut cgv): (i64, i64, i64, i64) = (104_597, 132_201, -25_675, -53_279);
        let (mut cy, mut oy): (i64, i64) = (1 << 16, 0);
        if full_range {
            // Integer division truncates toward zero, as in C.
            crv = crv * 224 / 255;
            cbu = cbu * 224 / 255;
            cgu = cgu * 224 / 255;
            cgv = cgv * 224 / 255;
        } else {
            cy = cy * 255 / 219;
            oy = 16 << 16;
        }
        // Contrast and saturation are 1 and brightness 0, so they change nothing here.
        let scale = |c: i64| ((c << 16) + 0x8000) / cy.max(1);
        let (crv, cbu, cgu, cgv) = (scale(crv), scale(cbu), scale(cgu), scale(cgv));
        let mut luma = vec![0u8; (1024 + 2 * HEADROOM) as usize];
        let mut yb = -(384 << 16) - HEADROOM * cy - oy;
        for entry in luma.iter_mut() {
            *entry = ((yb + 0x8000) >> 16).clamp(0, 255) as u8;
            yb += cy;
        }
        let origin = if full_range { 384 } else { 326 } + HEADROOM;
        let offsets = |base: i64, c: i64| -> [i32; 256] {
            std::array::from_fn(|i| (base - (c >> 9) + ((i as i64 * c) >> 16)) as i32)
        };
        YuvToRgb {
            luma,
            r_v: offsets(origin, crv),
            g_u: offsets(origin, cgu),
            g_v: offsets(0, cgv),
            b_u: offsets(origin, cbu),
        }
    }

    /// Converts one planar 4:2:0 frame (Y, then U, then V) of even sides to packed RGB.
    pub fn convert(&self, yuv: &[u8], width: usize, height: usize, rgb: &mut [u8]) {
        let (cw, ch) = (width / 2, height / 2);
        let (y_plane, chroma) = yuv.split_at(width * height);
        let (u_plane, v_plane) = chroma.split_at(cw * ch);
        let last = self.luma.len() - 1;
        let at = |index: i32| self.luma[(index.max(0) as usize).min(last)];
        for (row, (y_row, out_row)) in y_plane.chunks_exact(width).zip(rgb.chunks_exact_mut(width * 3)).enumerate() {
            let u_row = &u_plane[(row / 2) * cw..][..cw];
            let v_row = &v_plane[(row / 2) * cw..][..cw];
            for (x, (y, out)) in y_row.iter().zip(out_row.chunks_exact_mut(3)).enumerate() {
                let (u, v) = (usize::from(u_row[x / 2]), usize::from(v_row[x / 2]));
                let y = i32::from(*y);
                out[0] = at(self.r_v[v] + y);
                out[1] = at(self.g_u[u] + self.g_v[v] + y);
                out[2] = at(self.b_u[u] + y);
            }
        }
    }
}

/// Reads a child's error output on a thread of its own, so a full pipe never stalls it.
fn collect_stderr(child: &mut std::process::Child) -> std::thread::JoinHandle<String> {
    let stderr = child.stderr.take();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut e) = stderr {
            let _ = e.read_to_string(&mut text);
        }
        text
    })
}

/// Reads one whole frame; `false` at a clean end of stream.
fn read_frame(reader: &mut impl Read, frame: &mut [u8]) -> Result<bool, VideoError> {
    let mut filled = 0;
    while filled < frame.len() {
        let n = reader.read(&mut frame[filled..])?;
        if n == 0 {
            return if filled == 0 {
                Ok(false)
            } else {
                Err(VideoError::Corrupt("the last frame was cut short".into()))
            };
        }
        filled += n;
    }
    Ok(true)
}

/// MD5 of a whole file, as 32 lowercase hex digits, read in pieces.
pub fn md5_file(path: &Path) -> Result<String, VideoError> {
    let mut file = std::fs::File::open(path)?;
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
    }
    Ok(md5.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// How much of two videos matches, each way, in percent of unique trusted frame hashes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoMatch {
    /// Share of the query's unique hashes with a match in the other video.
    pub query_percent: f64,
    /// Share of the other video's unique hashes with a match in the query.
    pub compared_percent: f64,
}

impl VideoMatch {
    /// The common rule: at least `threshold` percent of the query matched.
    pub fn query_at_least(&self, threshold: f64) -> bool {
        self.query_percent >= threshold
    }
}

/// Compares two videos by the reference rules: unique hashes with quality ≥ 50; a hash matches
/// when any hash of the other video is within distance 31.
pub fn match_videos(query: &[FrameHash], compared: &[FrameHash]) -> VideoMatch {
    let unique = |frames: &[FrameHash]| {
        let mut v: Vec<Hash256> = frames.iter().filter(|f| f.pdq.quality >= MIN_QUALITY).map(|f| f.pdq.hash).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (q, c) = (unique(query), unique(compared));
    let share = |from: &[Hash256], to: &[Hash256]| {
        if from.is_empty() {
            return 0.0;
        }
        let hits = from.iter().filter(|a| to.iter().any(|b| a.distance(b) <= MATCH_DISTANCE)).count();
        hits as f64 * 100.0 / from.len() as f64
    };
    VideoMatch { query_percent: share(&q, &c), compared_percent: share(&c, &q) }
}
