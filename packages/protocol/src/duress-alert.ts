import { z } from 'zod'
import { base64urlBytesSchema } from './encoding.js'
import { idSchema } from './ids.js'

/*
 * Issue 19, the duress PIN's silent alert (spec 10.9, [DUR-ALERT-02]..[DUR-ALERT-04]). The holder's
 * device registers the SHA-256 of a random 32-byte token with the supporter's grant; the decoy
 * later presents the token (it holds no key of the vault, so the token is its only capability);
 * the supporter's client reads whether an alert has fired. The host learns only that and when.
 */
export const putDuressAlertSchema = z.object({ grant_id: idSchema, token_sha256: base64urlBytesSchema(32) }).strict()
export type PutDuressAlert = z.infer<typeof putDuressAlertSchema>

export const fireDuressAlertSchema = z.object({ token: base64urlBytesSchema(32) }).strict()
export type FireDuressAlert = z.infer<typeof fireDuressAlertSchema>

export const duressAlertStateSchema = z
  .object({
    /** How many times the alert fired for this grant; 0 when none, or when the alert is another grant's. */
    fired_count: z.number().int().min(0),
    /** Host time (ms) of the last firing, or null. */
    last_fired_at: z.number().int().nullable(),
  })
  .strict()
export type DuressAlertState = z.infer<typeof duressAlertStateSchema>
