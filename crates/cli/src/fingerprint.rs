//! `lodge hash` and `lodge match`: fingerprint files with PDQ and vPDQ, and look them up in a
//! list of known hashes. The work is in `lodge-pdq`; this walks directories, spreads files over
//! the cores, shows progress and prints.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use lodge_pdq::file::{FileError, FileHashes, FileOptions, hash_file};
use lodge_pdq::index::Index;
use lodge_pdq::vpdq::VideoOptions;
use lodge_pdq::{DIHEDRAL_NAMES, Hash256, Hasher};

/// Every file named, directories walked recursively, in a stable order; and whether every
/// directory could be read (each one that could not is reported).
pub(crate) fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, bool) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = Vec::new();
            for entry in walkdir::WalkDir::new(path).follow_links(false) {
                match entry {
                    Ok(e) if e.file_type().is_file() => found.push(e.into_path()),
                    Ok(_) => {}
                    Err(e) => {
                        errors.push((e.path().map(Path::to_path_buf).unwrap_or_else(|| path.clone()), e.to_string()))
                    }
                }
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    for (path, e) in &errors {
        eprintln!("lodge: {}: {e}", path.display());
    }
    (files, errors.is_empty())
}

/// Hashes files on every core, calling `each` in the files' order as results arrive.
fn hash_all(files: &[PathBuf], options: &FileOptions, mut each: impl FnMut(&Path, Result<FileHashes, FileError>)) {
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                let mut hasher = Hasher::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    if tx.send((i, hash_file(path, options, &mut hasher))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting = BTreeMap::new();
        let mut printed = 0;
        for (i, result) in rx {
            waiting.insert(i, result);
            while let Some(result) = waiting.remove(&printed) {
                each(&files[printed], result);
                printed += 1;
                bar.inc(1);
            }
        }
    });
    bar.finish_and_clear();
}

/// `lodge hash`: prints `pdq_hex,quality,path` for images (with `--dihedral`, one line per
/// variant with its name added), and for videos a `# path,md5` line then the vPDQ lines.
/// Returns whether every file hashed.
pub fn hash(paths: &[PathBuf], dihedral: bool, video: bool, interval: f64) -> Result<bool> {
    let options = FileOptions {
        dihedral,
        force_video: video,
        video: VideoOptions { interval, ..VideoOptions::default() },
        ..FileOptions::default()
    };
    let (files, mut ok) = collect_files(paths);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_error = None;
    hash_all(&files, &options, |path, result| {
        let written = match result {
            Ok(FileHashes::Image { pdq, dihedral: None }) => {
                writeln!(out, "{},{},{}", pdq.hash, pdq.quality, path.display())
            }
            Ok(FileHashes::Image { dihedral: Some(d), .. }) => DIHEDRAL_NAMES
                .iter()
                .zip(d.hashes.iter())
                .try_for_each(|(name, h)| writeln!(out, "{h},{},{},{name}", d.quality, path.display())),
            Ok(FileHashes::Video { frames, md5 }) => writeln!(out, "# {},md5={md5}", path.display())
                .and_then(|_| frames.iter().try_for_each(|f| writeln!(out, "{}", f.to_line()))),
            Err(e) => {
                ok = false;
                eprintln!("lodge: {}: {e}", path.display());
                Ok(())
            }
        };
        if let Err(e) = written {
            write_error.get_or_insert(e);
        }
    });
    out.flush()?;
    if let Some(e) = write_error {
        return Err(e).context("cannot write the hashes");
    }
    Ok(ok)
}

/// Reads an index: a binary index file, or text as `lodge hash` prints it — image lines
/// starting with a PDQ hash (the rest of the line naming it), and for each video a
/// `# path,md5=…` line then its vPDQ frame lines (`frame,quality,hash,seconds`), each frame of
/// good quality named by its video and time, a frame the same as one before it in the same
/// video kept once.
fn load_index(path: &Path) -> Result<(Index, Vec<String>)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read the index {}", path.display()))?;
    if Index::is_index_file(&bytes) {
        let index =
            Index::load(bytes.as_slice()).with_context(|| format!("cannot read the index {}", path.display()))?;
        let labels = (1..=index.len()).map(|n| format!("#{n}")).collect();
        return Ok((index, labels));
    }
    let mut hashes = Vec::new();
    let mut labels = Vec::new();
    let mut video: Option<(String, std::collections::HashSet<Hash256>)> = None;
    for (n, line) in bytes.lines().enumerate() {
        let line = line.with_context(|| format!("{}: line {} is not text", path.display(), n + 1))?;
        let line = line.trim();
        if let Some(name) = line.strip_prefix("# ").and_then(|l| l.rsplit_once(",md5=")).map(|(name, _)| name) {
            video = Some((name.to_owned(), std::collections::HashSet::new()));
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (first, rest) = line.split_once(',').unwrap_or((line, ""));
        if let Ok(hash) = first.parse::<Hash256>() {
            // `lodge hash` lines are `hash,quality,path[,variant]`: the name is what follows the quality.
            let name = match rest.split_once(',') {
                Some((quality, name)) if quality.parse::<u8>().is_ok() => name,
                _ => rest,
            };
            video = None;
            hashes.push(hash);
            labels.push(if name.is_empty() { format!("line {}", n + 1) } else { name.to_owned() });
            continue;
        }
        let Some(frame) = lodge_pdq::vpdq::FrameHash::parse_line(line) else {
            bail!(
                "{}: line {} is neither a PDQ hash line nor a video frame line of `lodge hash` output",
                path.display(),
                n + 1
            );
        };
        let Some((name, seen)) = video.as_mut() else {
            bail!("{}: line {} is a video frame line with no `# path,md5=` line before it", path.display(), n + 1);
        };
        if frame.pdq.quality >= lodge_pdq::MIN_QUALITY && seen.insert(frame.pdq.hash) {
            hashes.push(frame.pdq.hash);
            labels.push(format!("{name} at {:.1} s", frame.timestamp));
        }
    }
    Ok((Index::new(hashes)?, labels))
}

/// `lodge match`: hashes each query image and prints `query,distance,match` for every indexed
/// hash within the radius. Returns whether every query hashed.
pub fn find(index_path: &Path, radius: u32, queries: &[PathBuf]) -> Result<bool> {
    let (index, labels) = load_index(index_path)?;
    let (files, mut ok) = collect_files(queries);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut write_error = None;
    hash_all(&files, &FileOptions::default(), |path, result| {
        let hashes: Vec<Hash256> = match result {
            Ok(FileHashes::Image { pdq, .. }) => vec![pdq.hash],
            Ok(FileHashes::Video { frames, .. }) => {
                let mut unique: Vec<Hash256> =
                    frames.iter().filter(|f| f.pdq.quality >= lodge_pdq::MIN_QUALITY).map(|f| f.pdq.hash).collect();
                unique.sort_unstable();
                unique.dedup();
                unique
            }
            Err(e) => {
                ok = false;
                eprintln!("lodge: {}: {e}", path.display());
                return;
            }
        };
        let mut found: Vec<(u32, usize)> =
            index.search_batch(&hashes, radius).into_iter().flatten().map(|m| (m.distance, m.position)).collect();
        found.sort_unstable();
        found.dedup_by_key(|(_, p)| *p);
        for (distance, position) in found {
            if let Err(e) = writeln!(out, "{},{distance},{}", path.display(), labels[position]) {
                write_error.get_or_insert(e);
            }
        }
    });
    out.flush()?;
    if let Some(e) = write_error {
        return Err(e).context("cannot write the matches");
    }
    Ok(ok)
}
