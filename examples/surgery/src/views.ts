import type { MedicationList } from '@holdall/protocol'
import { type ExportPlan, medicationListPlan } from './export-plan.js'
import { Html, html } from './html.js'
import type { SessionState } from './sessions.js'
import type { ReadMedicationList, Verification } from './verify.js'

/** Medicines that run out within this many days are highlighted: the GP must act before then. */
export const RUN_OUT_SOON_DAYS = 7

const CATEGORY_NAMES: Record<string, string> = {
  prison_healthcare: 'Prison healthcare',
  gp_surgery: 'GP surgery',
  pharmacy: 'Pharmacy',
  probation: 'Probation',
  prison: 'Prison',
}

export function askView(options: {
  error?: string
  pairingCode?: string
  safetyCode?: string
  nhsNumber?: string
  fieldErrors?: Record<string, string>
}): Html {
  const errors = options.fieldErrors ?? {}
  const summary =
    options.error === undefined && Object.keys(errors).length === 0
      ? ''
      : html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary" autofocus>
<h2>There is a problem</h2>
${options.error === undefined ? '' : html`<p>${options.error}</p>`}
<ul>${Object.entries(errors).map(([field, message]) => html`<li><a href="#${field}">${message}</a></li>`)}</ul>
</div>`
  const field = (name: string, label: string, hint: string, value: string | undefined, extra: Html) => {
    const error = errors[name]
    const describedBy = [`${name}-hint`, error === undefined ? '' : `${name}-error`].filter(Boolean).join(' ')
    return html`<div class="field${error === undefined ? '' : ' field-error'}">
<label for="${name}">${label}</label>
<p class="hint" id="${name}-hint">${hint}</p>
${error === undefined ? '' : html`<p class="error" id="${name}-error"><span class="visually-hidden">Error:</span> ${error}</p>`}
<input id="${name}" name="${name}" type="text" value="${value ?? ''}" aria-describedby="${describedBy}"${error === undefined ? '' : html` aria-invalid="true"`}${extra}>
</div>`
  }
  return html`<h1>Check a patient’s medicines from prison</h1>
${summary}
<p>The patient keeps the medicines list prison healthcare gave them in the Holdall app on their phone. Ask them to open it and show you a sharing code.</p>
<form method="post" action="/ask" novalidate>
${field('pairing_code', 'The code on the patient’s phone', '8 letters and numbers, for example 7KQ2 MX4D. Spaces do not matter. Or scan the QR code into this box.', options.pairingCode, html` autocomplete="off" autocapitalize="characters" spellcheck="false" inputmode="text" class="code"`)}
${field('safety_code', 'The safety code on the patient’s phone', '16 letters and numbers under the code, for example 0K3M 9QX2 HT7A 4RWZ. Not needed if you scanned the QR code.', options.safetyCode, html` autocomplete="off" autocapitalize="characters" spellcheck="false" inputmode="text" class="code"`)}
${field('nhs_number', 'NHS number from your records (optional)', 'If you have it, we check the list is about the same person. 10 digits.', options.nhsNumber, html` autocomplete="off" inputmode="numeric" class="nhs"`)}
<button type="submit">Ask the patient</button>
</form>
<details><summary>The patient has no code or no phone</summary>
<p>Ask for their paper discharge letter, or phone the prison healthcare team that released them. You can still register the patient and book an urgent medicines review.</p>
</details>`
}

export function waitingView(bindingMessage: string, revision: number): Html {
  return html`<h1>Waiting for the patient</h1>
<div class="panel binding" id="binding">
<p>Ask the patient to check their phone shows the same words:</p>
<p class="binding-message" data-testid="binding-message">${bindingMessage}</p>
</div>
<p>If the words match, the patient can agree to share on their phone. If they do not match, ask them to say no there, and start again.</p>
<p id="live-status" role="status" data-revision="${revision}" data-state="waiting">Waiting for the patient to decide…</p>
<form method="get" action="/session" class="inline"><button type="submit" class="secondary">Check again</button></form>
<form method="post" action="/session/end" class="inline"><button type="submit" class="secondary">Cancel</button></form>`
}

export function outcomeView(state: Exclude<SessionState, { kind: 'waiting' | 'approved' }>): Html {
  const again = html`<p><a class="button" href="/">Start again</a></p>`
  switch (state.kind) {
    case 'refused':
      return html`<h1>The patient chose not to share</h1>
<p>That is their choice, and it is fine. They do not need to give a reason.</p>
<h2>What to do instead</h2>
<ul>
<li>Ask the patient what medicines they take, and look at any paper discharge letter they have.</li>
<li>Phone the prison healthcare team that released them to confirm the repeat prescription.</li>
<li>Book an urgent medicines review so their medicines do not run out.</li>
</ul>
<form method="post" action="/session/end"><button type="submit">Finish</button></form>`
    case 'timed_out':
      return html`<h1>The request ran out of time</h1>
<p>The patient did not answer within 10 minutes. Nothing was shared. If they still want to share, ask them for a new code.</p>${again}`
    case 'failed':
      return html`<h1>We could not send the request</h1>
<p>${state.reason}</p>${again}`
    case 'ended':
      return html`<h1>${state.reason === 'revoked' ? 'The patient stopped sharing' : 'Sharing has ended'}</h1>
<p data-testid="ended">${state.reason === 'revoked' ? 'The patient has stopped sharing their medicines with the surgery.' : 'The time the patient agreed to share for is over.'} This page no longer reads their records, and what was shown has been cleared from this service.</p>
<p>Anything you downloaded or printed before this is yours to keep in the patient’s record. To see the list again, ask the patient to share again.</p>
<form method="post" action="/session/end"><button type="submit">Finish</button></form>`
  }
}

export function approvedView(options: {
  grantExpiresAt: number
  lists: ReadMedicationList[]
  expectedNhsNumber: string | undefined
  now: number
  revision: number
  forPrint?: boolean
}): Html {
  const until = formatDateTime(new Date(options.grantExpiresAt))
  // The checked list first: it is the one the GP can act on. Warnings stay on the same page.
  const ordered = [...options.lists].sort((a, b) => TRUST_ORDER[a.verification.kind] - TRUST_ORDER[b.verification.kind])
  const sections = ordered.map((read, index) => listSection(read, index, ordered.length, options))
  const summary =
    ordered.length > 1
      ? html`<p>The patient shared ${ordered.length} medicines lists: ${ordered.map((r, i) => html`${i === 0 ? '' : i === ordered.length - 1 ? ' and ' : ', '}${SUMMARY_WORDS[r.verification.kind]}`)}.</p>`
      : ''
  const checked = options.lists.filter((r) => canExport(r, options.expectedNhsNumber))
  const exportable = checked.some((r) => r.list !== undefined && medicationListPlan(r.list).problems.length === 0)
  return html`<h1>${options.forPrint === true ? 'Medicines from prison healthcare' : 'The patient’s medicines from prison'}</h1>
${
  options.forPrint === true
    ? html`<p>Printed ${formatDateTime(new Date(options.now))}. Shared by the patient through Holdall until ${until}.</p>
<p class="no-print">Use your browser’s Print command (Ctrl+P) to print this page.</p>`
    : html`<p id="live-status" role="status" data-revision="${options.revision}" data-state="approved">Shared by the patient until ${until}. This page will say if they stop sharing.</p>`
}
${options.lists.length === 0 ? html`<div class="panel warning" role="alert"><h2>No medicines list</h2><p>The patient shared, but there is no medicines list from prison in their Holdall. Ask them what they take and contact the prison healthcare team.</p></div>` : ''}
${summary}
${sections}
${
  options.forPrint === true
    ? ''
    : html`<div class="actions">
${
  exportable
    ? html`<a class="button" href="/session/export" download>Download for the clinical system (FHIR)</a>`
    : checked.length > 0
      ? html`<p>Download is not offered: the list has problems that would put wrong data in the record (see “Before you download”).</p>`
      : html`<p>Download is only offered for a list whose signature checks out and whose NHS number matches.</p>`
}
<a class="button secondary" href="/session/print" target="_blank" rel="noopener">Print view (opens in a new tab)</a>
<form method="post" action="/session/end" class="inline"><button type="submit" class="secondary">Finish and clear</button></form>
</div>`
}`
}

const TRUST_ORDER: Record<Verification['kind'], number> = {
  verified: 0,
  self_asserted: 1,
  unknown_signer: 2,
  invalid: 3,
}
const SUMMARY_WORDS: Record<Verification['kind'], string> = {
  verified: 'one checked from its signer',
  self_asserted: 'one written on the patient’s phone',
  unknown_signer: 'one we cannot check',
  invalid: 'one whose signature is not valid',
}

export function canExport(read: ReadMedicationList, expectedNhsNumber: string | undefined): boolean {
  return (
    read.verification.kind === 'verified' &&
    read.list !== undefined &&
    read.verification.namesItsSigner &&
    read.verification.healthcareSigner &&
    (expectedNhsNumber === undefined || expectedNhsNumber === read.list.patient.nhsNumber)
  )
}

function listSection(
  read: ReadMedicationList,
  index: number,
  count: number,
  options: { expectedNhsNumber: string | undefined; now: number; forPrint?: boolean },
): Html {
  const id = `list-${index + 1}`
  const list = read.list
  // With several lists each section needs its own name, for headings and landmarks alike.
  const which = count > 1 ? `List ${index + 1} of ${count}: ` : ''
  return html`<section aria-labelledby="${id}-heading" class="list">
<h2 id="${id}-heading">${which}${list === undefined ? 'A medicines list we could not check' : html`${list.patient.name}, born ${formatDate(list.patient.birthDate)}`}</h2>
${verificationPanel(read.verification, list, options.expectedNhsNumber, `${id}-verification`)}
${list === undefined ? '' : medicinesTable(list, options.now, id)}
${list === undefined ? '' : allergies(list, id)}
${list !== undefined && canExport(read, options.expectedNhsNumber) && options.forPrint !== true ? importPlan(medicationListPlan(list), id) : ''}
</section>`
}

function verificationPanel(
  v: Verification,
  list: MedicationList | undefined,
  expected: string | undefined,
  id: string,
): Html {
  const subject =
    list === undefined
      ? ''
      : expected === undefined
        ? html`<div><dt>Patient</dt><dd>NHS number on the list: <span class="nhs">${formatNhs(list.patient.nhsNumber)}</span>. You did not enter one to compare: check it against your records.</dd></div>`
        : expected === list.patient.nhsNumber
          ? html`<div><dt>Patient</dt><dd class="ok">Matches the NHS number you entered (<span class="nhs">${formatNhs(expected)}</span>).</dd></div>`
          : html`<div><dt>Patient</dt><dd class="bad"><strong>Does not match.</strong> The list is for NHS number ${formatNhs(list.patient.nhsNumber)}; you entered ${formatNhs(expected)}. Do not use this list for this patient.</dd></div>`
  switch (v.kind) {
    case 'verified': {
      const problems: Html[] = []
      if (!v.namesItsSigner)
        problems.push(
          html`<p><strong>The list names a different organisation (${list?.issuingOrganisation.name ?? ''}, ODS ${list?.issuingOrganisation.odsCode ?? ''}) from the one that signed it.</strong> Treat it with care and contact the signer.</p>`,
        )
      if (!v.healthcareSigner)
        problems.push(
          html`<p><strong>It was signed by an organisation that does not prescribe (${categoryName(v.organisation.category)}).</strong></p>`,
        )
      const warn =
        problems.length > 0 || (expected !== undefined && list !== undefined && expected !== list.patient.nhsNumber)
      return html`<div class="panel ${warn ? 'warning' : 'verified'}" id="${id}" data-testid="verification" data-verification="verified"${warn ? html` role="alert"` : ''}>
<h3>${warn ? 'Check before you use this list' : 'Signature checked: this list is genuine'}</h3>
<dl>
<div><dt>Signed by</dt><dd>${v.organisation.name} (ODS ${v.organisation.odsCode}), ${categoryName(v.organisation.category)}, on the trust list</dd></div>
<div><dt>Signed on</dt><dd>${formatDateTime(v.signedAt)}</dd></div>
<div><dt>Signature</dt><dd class="ok">Valid: not changed since it was signed</dd></div>
${subject}
</dl>
${problems}
</div>`
    }
    case 'self_asserted':
      return html`<div class="panel warning" id="${id}" role="alert" data-testid="verification" data-verification="self_asserted">
<h3>Not from prison healthcare: written on the patient’s own phone</h3>
<p>Nobody on the trust list signed this list. Treat it as what the patient tells you, not as a prescription record. Confirm with the prison healthcare team before you prescribe.</p>
<dl><div><dt>Saved on</dt><dd>${formatDateTime(v.signedAt)}</dd></div>${subject}</dl>
</div>`
    case 'unknown_signer':
      return html`<div class="panel danger" id="${id}" role="alert" data-testid="verification" data-verification="unknown_signer">
<h3>Warning: we cannot check who signed this list</h3>
<p>It is signed by an organisation that is not on the trust list${v.trustListProblem === undefined ? '' : html` (${v.trustListProblem})`}, so we cannot tell whether it is genuine. We have not shown it.</p>
<p>Contact the prison healthcare team that released the patient to confirm their medicines.</p>
</div>`
    case 'invalid':
      return html`<div class="panel danger" id="${id}" role="alert" data-testid="verification" data-verification="invalid">
<h3>Warning: the signature on this list is not valid</h3>
<p>The list was changed after it was signed, or it is damaged. Do not use it. We have not shown its contents.</p>
<p>Contact the prison healthcare team that released the patient, and tell the patient their copy could not be checked.</p>
</div>`
  }
}

function medicinesTable(list: MedicationList, now: number, id: string): Html {
  if (list.medicines.length === 0) return html`<p>The list has no medicines on it.</p>`
  const badCodes = new Set(
    medicationListPlan(list)
      .problems.filter((p) => p.kind !== 'missing_dose')
      .map((p) => p.path.split('.')[0]),
  )
  const rows = list.medicines.map((m, i) => {
    const daysLeft = Math.floor((Date.parse(`${m.runOutDate}T23:59:59Z`) - now) / 86_400_000)
    const soon = daysLeft <= RUN_OUT_SOON_DAYS
    const runOut =
      daysLeft < 0
        ? html`<strong>Ran out ${formatDate(m.runOutDate)}</strong>`
        : soon
          ? html`<strong>${formatDate(m.runOutDate)}: in ${daysLeft} ${daysLeft === 1 ? 'day' : 'days'}</strong>`
          : html`${formatDate(m.runOutDate)}`
    return html`<tr${soon ? html` class="soon"` : ''}>
<th scope="row">${m.medication.display}<br><span class="code">dm+d ${m.medication.code}</span>${badCodes.has(`medicines[${i}]`) ? html`<br><strong class="bad" data-testid="bad-code">Code not valid: check with prison healthcare</strong>` : ''}${m.repeat ? html`<br><span class="tag">Repeat</span>` : ''}</th>
<td>${m.strength}, ${m.form}${m.route === undefined ? '' : html`, ${m.route}`}</td>
<td>${m.dose}${m.indication === undefined ? '' : html`<br><span class="hint">For ${m.indication}</span>`}</td>
<td>${quantity(m.quantitySupplied)} on ${formatDate(m.supplyDate)}</td>
<td>${formatDate(m.lastIssueDate)}</td>
<td>${runOut}</td>
<td>${m.prescriber.name}<br><span class="code">${m.prescriber.registration.body} ${m.prescriber.registration.number}</span></td>
<td>${m.controlledDrugSchedule === undefined ? 'No' : html`<strong>Yes, Schedule ${m.controlledDrugSchedule}</strong>`}${m.supervisedConsumption === true ? html`<br>Supervised` : ''}</td>
</tr>`
  })
  return html`<h3 id="${id}-medicines">Medicines (${list.medicines.length})</h3>
<div class="table-wrap" role="region" aria-labelledby="${id}-medicines ${id}-heading" tabindex="0">
<table>
<thead><tr><th scope="col">Medicine</th><th scope="col">Strength and form</th><th scope="col">Dose</th><th scope="col">Supplied on release</th><th scope="col">Last issued</th><th scope="col">Runs out</th><th scope="col">Prescriber</th><th scope="col">Controlled drug</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</div>
<p class="hint">Run-out dates within ${RUN_OUT_SOON_DAYS} days are in bold and marked.</p>`
}

function allergies(list: MedicationList, id: string): Html {
  return html`<h3 id="${id}-allergies">Allergies</h3>
${
  list.allergies.length === 0
    ? html`<p>None recorded by prison healthcare. Ask the patient.</p>`
    : html`<ul class="allergies">${list.allergies.map((a) => html`<li><strong>${a.substance}</strong>${a.reaction === undefined ? '' : html`: ${a.reaction}`}</li>`)}</ul>`
}`
}

/** What the download would write to the patient's record, what it leaves out, and what stops it. */
function importPlan(plan: ExportPlan, id: string): Html {
  const problems =
    plan.problems.length === 0
      ? ''
      : html`<div class="panel danger" role="alert" data-testid="export-problems">
<h4>This list cannot be downloaded for the clinical system</h4>
<p>Nothing will be written to the record until prison healthcare corrects it. You can still read it here and print it.</p>
<ul>${plan.problems.map((p) => html`<li>${p.message}</li>`)}</ul>
</div>`
  return html`<section aria-labelledby="${id}-plan" class="import-plan" data-testid="import-plan">
<h3 id="${id}-plan">Before you download: what goes into the record</h3>
${problems}
<h4>${plan.problems.length === 0 ? 'Will be written' : 'Would be written once corrected'}</h4>
<ul>${plan.written.map((line) => html`<li>${line}</li>`)}</ul>
<h4>Will not be written, or only as text</h4>
<ul>${plan.notWritten.map((line) => html`<li>${line}</li>`)}</ul>
</section>`
}

/** "28 tablets", "180 ml": whole-word units take a plural, abbreviations do not. */
function quantity(q: { value: number; unit: string }): string {
  const plural = q.value !== 1 && q.unit.length > 3 && !q.unit.endsWith('s')
  return `${q.value} ${q.unit}${plural ? 's' : ''}`
}

function categoryName(category: string): string {
  return CATEGORY_NAMES[category] ?? category.replaceAll('_', ' ')
}

export function formatNhs(n: string): string {
  return `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`
}

function formatDate(isoDate: string): string {
  return new Date(`${isoDate}T12:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/London',
  })
}

function formatDateTime(date: Date): string {
  return date.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  })
}

export { Html }
