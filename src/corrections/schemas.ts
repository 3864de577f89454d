// The public shape of corrections: what a story says about its own mistakes, newest first.
import { type Static, Type } from 'typebox'
import { Id, Page, PageQuery, ref, shareSchema, StringEnum, Timestamp } from '../http/schemas.js'

export const CORRECTION_TYPES = ['correction', 'clarification', 'update', 'retraction'] as const
export type CorrectionType = (typeof CORRECTION_TYPES)[number]

const TYPE_DESCRIPTION =
  '`correction`: something was wrong; `clarification`: something was unclear; `update`: news since publication; ' +
  '`retraction`: the story should not have run (the article stays published with `retracted: true`).'

const TEXT_DESCRIPTION =
  'What was wrong and what is right, as readers see it. Inline markup allowed: a (http, https, mailto), em, strong, i, b, br, sub, sup.'

const Text = Type.String({
  minLength: 1,
  maxLength: 5_000,
  description: TEXT_DESCRIPTION,
  examples: ['An earlier version of this story gave the wrong date for the vote. It is on 14 May.'],
})

const At = Type.String({
  format: 'date-time',
  description: 'When the correction was made, as printed under the story; now when not given. Not in the future.',
  examples: ['2026-01-09T16:30:00.000Z'],
})

export const Correction = shareSchema(
  'Correction',
  Type.Object(
    {
      id: Id,
      type: StringEnum(CORRECTION_TYPES, { description: TYPE_DESCRIPTION }),
      text: Type.String({ description: TEXT_DESCRIPTION }),
      at: Timestamp,
      createdAt: Timestamp,
      updatedAt: Timestamp,
      version: Type.Integer({ minimum: 1, description: 'Grows by one with each change; `If-Match` compares it through the ETag.' }),
    },
    {
      description: 'A correction, clarification, update or retraction published with an article.',
      examples: [
        {
          id: '01jdcq3m5x8v2r7t4w9y6z0abc',
          type: 'correction',
          text: 'An earlier version of this story gave the wrong date for the vote. It is on 14 May.',
          at: '2026-01-09T16:30:00.000Z',
          createdAt: '2026-01-09T16:31:02.118Z',
          updatedAt: '2026-01-09T16:31:02.118Z',
          version: 1,
        },
      ],
    },
  ),
)
export type Correction = Static<typeof Correction>

/** A correction as an article's revision records it. */
export const CorrectionSnapshot = Type.Object({
  id: Id,
  type: StringEnum(CORRECTION_TYPES, { description: 'Its type at the time.' }),
  text: Type.String({ description: 'Its text at the time.' }),
  at: Timestamp,
})

export const CorrectionCreate = Type.Object(
  { type: StringEnum(CORRECTION_TYPES, { description: TYPE_DESCRIPTION }), text: Text, at: Type.Optional(At) },
  {
    additionalProperties: false,
    examples: [{ type: 'correction', text: 'An earlier version of this story misspelled the name of the harbour master, Inés Roca.' }],
  },
)
export type CorrectionCreate = Static<typeof CorrectionCreate>

export const CorrectionPatch = Type.Object(
  { type: Type.Optional(StringEnum(CORRECTION_TYPES, { description: TYPE_DESCRIPTION })), text: Type.Optional(Text), at: Type.Optional(At) },
  { additionalProperties: false, minProperties: 1, examples: [{ type: 'clarification' }] },
)
export type CorrectionPatch = Static<typeof CorrectionPatch>

export const CorrectionParams = Type.Object({ id: Id, correctionId: Id }, { additionalProperties: false })

export const CorrectionQuery = Type.Object(PageQuery, { additionalProperties: false })

export const CorrectionList = Page(ref(Correction))
