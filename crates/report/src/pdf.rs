//! The PDF: a [`ReportDocument`] laid out by Typst, used as a library with its own small
//! `World`. Everything the compiler may read is in memory: the template, the data as JSON, the
//! pictures and the bundled fonts. Nothing is read from disk or the network.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::{ReportDocument, ReportError};

const TEMPLATE: &str = include_str!("report.typ");
const LETTER: &str = include_str!("letter.typ");

/// A picture shown in the report: a name the document refers to, and its bytes (JPEG or PNG).
/// Pass thumbnails that have already been re-encoded without metadata, not the original files.
#[derive(Debug, Clone)]
pub struct Picture {
    /// The name an [`crate::ExhibitRow::picture`] refers to; letters, digits, `-`, `_` and `.` only.
    pub name: String,
    /// The image bytes.
    pub bytes: Vec<u8>,
}

/// The fonts bundled into the binary, read once.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    Fonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

struct ReportWorld {
    main: Source,
    data: Bytes,
    pictures: Vec<(FileId, Bytes)>,
    data_id: FileId,
    today: Option<Datetime>,
}

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let vpath = VirtualPath::new(path).map_err(|_| ReportError::Layout(format!("bad internal path {path}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::NotSource) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            return Ok(self.data.clone());
        }
        self.pictures
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, bytes)| bytes.clone())
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_without_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn describe(errors: &[SourceDiagnostic]) -> String {
    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")
}

/// Lays out a report as PDF. `created` (year, month, day, hour, minute, second in UTC) becomes
/// the PDF's creation time, so the same document and time give the same bytes.
pub fn render_pdf(
    document: &ReportDocument,
    pictures: &[Picture],
    created: (i32, u8, u8, u8, u8, u8),
) -> Result<Vec<u8>, ReportError> {
    let data = serde_json::to_vec(document).map_err(|e| ReportError::Layout(e.to_string()))?;
    let mut files = Vec::with_capacity(pictures.len());
    for picture in pictures {
        let safe = !picture.name.is_empty()
            && picture.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !safe {
            return Err(ReportError::Layout(format!("picture name {:?} is not allowed", picture.name)));
        }
        files.push((file_id(&format!("/pictures/{}", picture.name))?, Bytes::new(picture.bytes.clone())));
    }
    compile(TEMPLATE, data, files, created, &format!("lodge-report-{}", document.case_reference))
}

/// Lays out a letter — a title and plain text, paragraphs split at blank lines — as PDF, such as
/// a takedown notice. `created` is as for [`render_pdf`].
pub fn render_letter_pdf(title: &str, body: &str, created: (i32, u8, u8, u8, u8, u8)) -> Result<Vec<u8>, ReportError> {
    let data = serde_json::to_vec(&serde_json::json!({ "title": title, "body": body }))
        .map_err(|e| ReportError::Layout(e.to_string()))?;
    compile(LETTER, data, Vec::new(), created, "lodge-letter")
}

fn compile(
    template: &str,
    data: Vec<u8>,
    pictures: Vec<(FileId, Bytes)>,
    created: (i32, u8, u8, u8, u8, u8),
    ident: &str,
) -> Result<Vec<u8>, ReportError> {
    let (y, mo, d, h, mi, s) = created;
    let when = Datetime::from_ymd_hms(y, mo, d, h, mi, s);
    let world = ReportWorld {
        main: Source::new(file_id("/report.typ")?, template.to_owned()),
        data: Bytes::new(data),
        pictures,
        data_id: file_id("/data.json")?,
        today: Datetime::from_ymd(y, mo, d),
    };
    let compiled = typst::compile::<PagedDocument>(&world);
    let paged = compiled.output.map_err(|errors| ReportError::Layout(describe(&errors)))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(ident.to_owned()),
        creator: Smart::Custom(Some("Lodge".to_owned())),
        timestamp: when.map(typst_pdf::Timestamp::new_utc),
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&paged, &options).map_err(|errors| ReportError::Layout(describe(&errors)))
}
