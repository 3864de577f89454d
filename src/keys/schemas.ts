// The public shape of API keys.
import { type Static, Type } from 'typebox'
import { IdOf, NextCursor, ref, shareSchema, StringEnum, TimestampOf } from '../http/schemas.js'

export const KeyRole = StringEnum(['admin', 'editor', 'moderator'], {
  description:
    'What the key may do: `editor` everything about articles, media and related links; `moderator` read and moderate ' +
    'comments; `admin` all of that, and keys and webhooks.',
})

const keyFields = {
  id: IdOf("The key's id (not its secret): what revocations, revisions and moderation decisions name."),
  name: Type.String({ description: 'What the key is for, as the admin named it, e.g. "Desk app"; plain text.' }),
  role: KeyRole,
  createdAt: TimestampOf('When the key was made.'),
}

export const ApiKey = shareSchema(
  'ApiKey',
  Type.Object(keyFields, { description: 'An active API key, without its secret (only its hash is stored).' }),
)
export type ApiKey = Static<typeof ApiKey>

export const ApiKeyWithToken = shareSchema(
  'ApiKeyWithToken',
  Type.Object(
    {
      id: keyFields.id,
      name: keyFields.name,
      role: keyFields.role,
      token: Type.String({
        description: 'The secret (`cms_` and 43 characters), shown only in this response: store it now. Send it as `Authorization: Bearer <token>`.',
        examples: ['cms_ijYnhzuL1kZbL_BtQu5YSnNP00ZGmu2tO0gpwU7pWWA'],
      }),
      createdAt: keyFields.createdAt,
    },
    { description: 'A new API key with its secret: the only answer that ever shows it.' },
  ),
)
export type ApiKeyWithToken = Static<typeof ApiKeyWithToken>

export const ApiKeyCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'What the key is for, e.g. "Desk app".' }),
    role: KeyRole,
  },
  { additionalProperties: false },
)
export type ApiKeyCreate = Static<typeof ApiKeyCreate>

export const ApiKeyList = Type.Object({ data: Type.Array(ref(ApiKey), { description: 'The active keys, newest first.' }), nextCursor: NextCursor })
