// The repeat rule's memory (src/comments/recent-copies.ts): copies count within the window,
// a rolled-back write's copies are taken back, and the capacity bounds what is remembered.
import t from 'tap'
import { RecentCopies } from '../src/comments/recent-copies.js'

const HOUR = 60 * 60 * 1000

t.test('a copy counts for the same client and text, within the window', async (t) => {
  const copies = new RecentCopies(HOUR, 100)
  copies.add('192.0.2.1', 'text', 1_000)
  copies.add('192.0.2.1', 'text', 2_000)
  copies.add('192.0.2.2', 'text', 2_000)
  copies.settle()
  t.equal(copies.count('192.0.2.1', 'text', 3_000), 2)
  t.equal(copies.count('192.0.2.2', 'text', 3_000), 1, 'another client counts apart')
  t.equal(copies.count('192.0.2.1', 'other', 3_000), 0, 'another text counts apart')
  t.equal(copies.count('192.0.2.1', 'text', 1_000 + HOUR), 2, 'a copy exactly a window old still counts')
  t.equal(copies.count('192.0.2.1', 'text', 1_001 + HOUR), 1, 'older ones do not')
  t.equal(copies.count('192.0.2.1', 'text', 2_001 + HOUR), 0)
  t.equal(copies.size, 0, 'and are forgotten')
})

t.test('discard takes back the copies added since the last settle, and only those', async (t) => {
  const copies = new RecentCopies(HOUR, 100)
  copies.add('a', 'x', 10)
  copies.settle()
  copies.add('a', 'x', 20)
  copies.add('b', 'y', 20)
  t.equal(copies.count('a', 'x', 30), 2, 'unsettled copies count already (two in one batch)')
  copies.discard()
  t.equal(copies.count('a', 'x', 30), 1)
  t.equal(copies.count('b', 'y', 30), 0)
  t.equal(copies.size, 1)
  copies.discard()
  t.equal(copies.size, 1, 'a second discard has nothing to take back')
})

t.test('past its capacity the oldest settled copies are forgotten, never the unsettled ones', async (t) => {
  const copies = new RecentCopies(HOUR, 3)
  for (let i = 0; i < 5; i++) copies.add('a', `text ${i}`, i)
  t.equal(copies.size, 5, 'five unsettled copies are all kept')
  copies.settle()
  copies.add('a', 'text 5', 5)
  t.equal(copies.size, 3, 'the oldest settled ones make room')
  t.same(
    [0, 1, 2, 3, 4, 5].map((i) => copies.count('a', `text ${i}`, 6)),
    [0, 0, 0, 1, 1, 1],
  )
})

t.test('many copies over a long time: memory stays bounded and counts stay right', async (t) => {
  const copies = new RecentCopies(1_000, 10_000)
  for (let ms = 0; ms < 50_000; ms++) {
    copies.add('a', `text ${ms % 7}`, ms)
    if (ms % 3 === 0) copies.discard()
    else copies.settle()
  }
  // In the last 1,000 ms (48,999 to 49,999), kept when ms % 3 !== 0: the text `ms % 7` of each.
  const expected = (text: number) => {
    let n = 0
    for (let ms = 48_999; ms < 50_000; ms++) if (ms % 3 !== 0 && ms % 7 === text) n++
    return n
  }
  for (let text = 0; text < 7; text++) t.equal(copies.count('a', `text ${text}`, 49_999), expected(text), `text ${text}`)
  t.ok(copies.size <= 1_001, 'only the window is kept')
})
