// Encodes renditions in a process of its own (started by renditions.ts with fork, and reused
// for one job after another): the parent can stop an encode at any moment by killing the
// process, which no timeout inside libvips can promise (an AVIF encode does not look at it),
// and the memory libvips took goes back to the system when an idle encoder is let go.
import { encode, type EncodeJob } from './encode.js'

process.on('message', (job: EncodeJob) => {
  encode(job).then(
    () => process.send!({ ok: true }),
    (error: unknown) => process.send!({ ok: false, error: String((error as Error)?.message ?? error).split('\n')[0] }),
  )
})
// The parent closed the channel (it let this encoder go, or it is gone itself).
process.on('disconnect', () => process.exit(0))
