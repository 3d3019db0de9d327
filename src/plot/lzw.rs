//! GIF's LZW compression of an animation frame's palette indices.
//!
//! The `gif` crate's own compressor keeps its dictionary as a tree whose nodes grow from short
//! lists into 256-entry tables; on the territory animation's frames that costs about 80
//! instructions a pixel, the largest part of drawing the figures. A frame's pixels here take at
//! most 256 values and usually 32, so the dictionary is one flat table indexed by (code, next
//! index): one lookup a pixel. The output is standard GIF LZW (the code width grows as the gif
//! specification says, and the dictionary is cleared before it would pass 4,095 codes, as giflib
//! does), which any GIF decoder reads.

/// Codes a GIF LZW stream can hold: 12 bits.
const MAX_CODES: u16 = 4096;

/// The compressed image data of a frame whose pixels are `pixels`, in the form
/// `gif::Encoder::write_lzw_pre_encoded_frame` takes: the minimum code size, then the LZW bytes.
pub fn encode(pixels: &[u8]) -> Vec<u8> {
    let largest = pixels.iter().copied().max().unwrap_or(0);
    // GIF's minimum code size is at least 2; 4 colours and more take the bits of the palette.
    let min_code_size = (u32::from(largest) + 1)
        .max(4)
        .next_power_of_two()
        .trailing_zeros();
    let symbols = 1usize << min_code_size;
    let clear = symbols as u16;
    let end = clear + 1;
    let first_free = end + 1;
    let first_width = min_code_size + 1;

    let mut out = BitWriter::new(pixels.len() / 4 + 16);
    out.bytes.push(min_code_size as u8);
    // The code that extends `code` by index `i` is at `code * symbols + i`, stamped with the
    // generation of the dictionary it belongs to, so that clearing it is one increment.
    let mut table = vec![0u32; usize::from(MAX_CODES) * symbols];
    let mut generation = 1u32;
    let mut next = first_free;
    let mut width = first_width;
    out.write(clear, width);
    let Some((&first, rest)) = pixels.split_first() else {
        out.write(end, width);
        return out.finish();
    };
    let mut prefix = u16::from(first);
    for &p in rest {
        let slot = usize::from(prefix) * symbols + usize::from(p);
        let entry = table[slot];
        if entry >> 12 == generation {
            prefix = (entry & 0xFFF) as u16;
            continue;
        }
        out.write(prefix, width);
        if next >= MAX_CODES - 1 {
            out.write(clear, width);
            generation += 1;
            next = first_free;
            width = first_width;
        } else {
            table[slot] = generation << 12 | u32::from(next);
            next += 1;
            // The decoder adds each code one code later than this, and widens when its next
            // free code reaches 1 << width: this `next` is one ahead of its, hence `>`.
            if u32::from(next) > 1 << width && width < 12 {
                width += 1;
            }
        }
        prefix = u16::from(p);
    }
    out.write(prefix, width);
    // Reading that last code, the decoder still adds a code to its dictionary (unless it is the
    // first after a clear), and may widen before it reads the end code.
    if u32::from(next) >= 1 << width && width < 12 {
        width += 1;
    }
    out.write(end, width);
    out.finish()
}

/// Packs codes least significant bit first, as GIF does.
struct BitWriter {
    bytes: Vec<u8>,
    pending: u64,
    bits: u32,
}

impl BitWriter {
    fn new(capacity: usize) -> Self {
        BitWriter {
            bytes: Vec::with_capacity(capacity),
            pending: 0,
            bits: 0,
        }
    }

    fn write(&mut self, code: u16, width: u32) {
        self.pending |= u64::from(code) << self.bits;
        self.bits += width;
        while self.bits >= 8 {
            self.bytes.push(self.pending as u8);
            self.pending >>= 8;
            self.bits -= 8;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.bits > 0 {
            self.bytes.push(self.pending as u8);
        }
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::encode;

    /// `pixels` (`width` wide) compressed here, written as a GIF by the gif crate and read back
    /// by its decoder.
    fn round_trip(pixels: &[u8], width: u16, colours: usize) -> Vec<u8> {
        let palette: Vec<u8> = (0..colours * 3).map(|i| i as u8).collect();
        let height = (pixels.len() / usize::from(width)) as u16;
        let mut bytes = Vec::new();
        {
            let mut encoder = gif::Encoder::new(&mut bytes, width, height, &palette).unwrap();
            let frame = gif::Frame {
                width,
                height,
                buffer: std::borrow::Cow::Owned(encode(pixels)),
                ..gif::Frame::default()
            };
            encoder.write_lzw_pre_encoded_frame(&frame).unwrap();
        }
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::Indexed);
        let mut decoder = options.read_info(bytes.as_slice()).unwrap();
        let frame = decoder.read_next_frame().unwrap().unwrap();
        frame.buffer.to_vec()
    }

    /// A reproducible sequence of indices below `colours`: runs of one index (as in a map's
    /// unchanged pixels) of random lengths up to `longest`, between which every pixel differs.
    fn pixels(n: usize, colours: u64, longest: u64, mut state: u64) -> Vec<u8> {
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let index = (next() % colours) as u8;
            let run = if next() % 2 == 0 {
                1
            } else {
                1 + next() % longest
            };
            out.extend(std::iter::repeat_n(index, run as usize));
        }
        out.truncate(n);
        out
    }

    #[test]
    fn what_is_compressed_is_what_a_gif_decoder_reads_back() {
        // From noise (the dictionary fills and is cleared many times) to long runs, with the
        // smallest minimum code size (2), the animation's (5) and the largest (8).
        for (colours, longest, n, width) in [
            (2u64, 1u64, 60_000usize, 300u16),
            (4, 50, 40_000, 200),
            (24, 1, 200_000, 500),
            (24, 2_000, 302_400, 720),
            (32, 300, 90_000, 300),
            (256, 1, 150_000, 500),
            (256, 40, 100_000, 250),
        ] {
            let pixels = pixels(n, colours, longest, colours * 31 + longest);
            assert_eq!(
                round_trip(&pixels, width, colours as usize),
                pixels,
                "{colours} colours, runs up to {longest}"
            );
        }
        assert_eq!(round_trip(&[3], 1, 4), vec![3]);
        assert_eq!(round_trip(&[0; 9], 3, 2), vec![0; 9]);
    }

    /// Every stream ends with the end code at the width a decoder reads it with: weezl's
    /// decoder, fed the bytes alone, reaches the end code and gives back every pixel.
    #[test]
    fn every_stream_ends_with_a_whole_end_code() {
        for n in 1..400usize {
            for colours in [2u64, 5, 24] {
                let pixels = pixels(n, colours, 3, n as u64 * 7 + colours);
                let encoded = encode(&pixels);
                let mut decoded = Vec::new();
                let mut decoder = weezl::decode::Decoder::new(weezl::BitOrder::Lsb, encoded[0]);
                let result = decoder.into_vec(&mut decoded).decode_all(&encoded[1..]);
                assert!(
                    result.status.is_ok() && decoder.has_ended(),
                    "{n} pixels of {colours} colours: {:?}, end code read: {}",
                    result.status,
                    decoder.has_ended()
                );
                assert_eq!(decoded, pixels, "{n} pixels of {colours} colours");
            }
        }
    }

    #[test]
    fn long_runs_take_few_bytes() {
        // A run of n pixels takes about the square root of 2n codes.
        let compressed = encode(&vec![7u8; 100_000]);
        assert!(compressed.len() < 600, "{} bytes", compressed.len());
        assert_eq!(compressed[0], 3, "8 colours need 3 bits");
    }
}
