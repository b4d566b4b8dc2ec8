//! Copies inside borders: letterboxing, black bars, a white or coloured frame around the
//! picture. PDQ sees the border as part of the image and moves far (88 to 106 bits in tests);
//! with the border trimmed it is back within a dozen. A border is rows or columns at an edge
//! that are all (nearly) one colour; at most two fifths of a side is taken as border.

use lodge_pdq::decode::Pixels;

/// How far a pixel may stray from the border's colour (per channel), for JPEG's noise.
const TOLERANCE: i32 = 28;
/// Share of a row or column, in thousandths, that must be the border's colour.
const FLAT_PER_MILLE: usize = 985;
/// Smallest border worth trimming, in thousandths of the side.
const MIN_BORDER_PER_MILLE: usize = 15;

/// The picture inside its border, or `None` when there is no border to trim.
pub fn trimmed(pixels: &Pixels) -> Option<Pixels> {
    let (w, h) = (pixels.width, pixels.height);
    if w < 16 || h < 16 || pixels.data.len() < w * h * 3 {
        return None;
    }
    let at = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        [pixels.data[i], pixels.data[i + 1], pixels.data[i + 2]]
    };
    let near = |a: [u8; 3], b: [u8; 3]| a.iter().zip(b).all(|(p, q)| (i32::from(*p) - i32::from(q)).abs() <= TOLERANCE);
    let flat = |points: &mut dyn Iterator<Item = [u8; 3]>, colour: [u8; 3], len: usize| {
        points.filter(|p| near(*p, colour)).count() * 1000 >= len * FLAT_PER_MILLE
    };
    let row_flat = |y: usize, colour| flat(&mut (0..w).map(|x| at(x, y)), colour, w);
    let column_flat = |x: usize, colour| flat(&mut (0..h).map(|y| at(x, y)), colour, h);
    let (max_x, max_y) = (w * 2 / 5, h * 2 / 5);
    let top = (0..max_y).take_while(|y| row_flat(*y, at(w / 2, 0))).count();
    let bottom = (0..max_y).take_while(|y| row_flat(h - 1 - y, at(w / 2, h - 1))).count();
    let left = (0..max_x).take_while(|x| column_flat(*x, at(0, h / 2))).count();
    let right = (0..max_x).take_while(|x| column_flat(w - 1 - x, at(w - 1, h / 2))).count();
    let worth = |border: usize, side: usize| border * 1000 >= side * MIN_BORDER_PER_MILLE;
    if !(worth(top, h) || worth(bottom, h) || worth(left, w) || worth(right, w)) {
        return None;
    }
    let (new_w, new_h) = (w.checked_sub(left + right)?, h.checked_sub(top + bottom)?);
    if new_w < 16 || new_h < 16 {
        return None;
    }
    crop(pixels, (left, top, new_w, new_h))
}

/// The rectangle (left, top, width, height) of `pixels`, or `None` if it does not fit inside.
pub fn crop(pixels: &Pixels, (left, top, width, height): (usize, usize, usize, usize)) -> Option<Pixels> {
    if left + width > pixels.width
        || top + height > pixels.height
        || pixels.data.len() < pixels.width * pixels.height * 3
    {
        return None;
    }
    let mut data = Vec::with_capacity(width * height * 3);
    for row in top..top + height {
        let start = (row * pixels.width + left) * 3;
        data.extend_from_slice(&pixels.data[start..start + width * 3]);
    }
    Some(Pixels { width, height, data })
}
