// How a rendition is encoded with sharp: resized (cropped when both sides are given), turned
// upright, and written in its format. Run in the encoder process (rendition-encoder.ts).
import { loadSharp } from './libraries.js'
import { MAX_INPUT_PIXELS } from './probe.js'

export type OutputFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif'

export interface EncodeJob {
  source: string
  target: string
  width: number | null
  height: number | null
  format: OutputFormat
  /** Keep an animation's frames (GIF or WebP in, GIF or WebP out). */
  animated: boolean
}

export async function encode(job: EncodeJob): Promise<void> {
  let image = loadSharp()(job.source, { limitInputPixels: MAX_INPUT_PIXELS, animated: job.animated })
    // Apply the EXIF orientation, which the stored width and height already account for.
    .autoOrient()
  if (job.width !== null || job.height !== null) {
    image = image.resize({
      width: job.width ?? undefined,
      height: job.height ?? undefined,
      // Both sides given: fill them exactly, cropping from the centre.
      fit: job.width !== null && job.height !== null ? 'cover' : 'inside',
      withoutEnlargement: true,
    })
  }
  switch (job.format) {
    case 'jpeg':
      // JPEG has no transparency: put it on white rather than black.
      image = image.flatten({ background: '#ffffff' }).jpeg({ quality: 82, progressive: true })
      break
    case 'png':
      image = image.png({ compressionLevel: 8 })
      break
    case 'webp':
      image = image.webp({ quality: 80 })
      break
    case 'avif':
      // The lowest effort: AVIF is the slowest format by far, and a rendition is made on demand.
      image = image.avif({ quality: 55, effort: 0 })
      break
    case 'gif':
      image = image.gif()
      break
  }
  await image.toFile(job.target)
}
