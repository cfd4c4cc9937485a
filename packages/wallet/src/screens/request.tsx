import { HoldallError } from '@holdall/client'
import {
  type Grant,
  type OrganisationCategory,
  type PendingRequest,
  RECORD_TYPES,
  type RecordType,
} from '@holdall/protocol'
import { useEffect, useState } from 'preact/hooks'
import { Checkbox, ChoiceButtons, Confirm, ErrorSummary, Layout } from '../components.js'
import { dayAndDate, listOf, timeOnly, useLanguage } from '../i18n.js'
import { SharePreview } from '../share-preview.js'
import type { StringKey } from '../strings.js'
import { consentChoices } from '../templates.js'
import type { SavedRecord, WalletSession } from '../wallet-session.js'
import {
  COOLING_OFF_SECONDS,
  categoryWord,
  PRESSURE_CHECK_CATEGORIES,
  RECORD_WORDS,
  SUPPORTER_DEFAULT_TYPES,
} from '../words.js'

/** The template notice and its words, in their own chunk (issue 21): asked for as this module loads, so it is there before a request. */
const templateView = import('../template-notice-view.js')

type Step = 'who' | 'pressure' | 'what' | 'howLong' | 'check' | 'done' | 'stopped' | 'saidNo' | 'pressured'

const DAY = 86_400_000

interface RequestFlowProps {
  readonly request: PendingRequest
  readonly session: WalletSession
  readonly onHome: () => void
  readonly onLock: () => void
}

/** Plain words for a check the holder SDK refused on: nothing was shared ([TRUST-KEY-02]). */
function refusalMessage(error: unknown, category: string): StringKey {
  if (!(error instanceof HoldallError)) return 'errorGeneric'
  switch (error.code) {
    case 'SERVICE_KEY_MISMATCH':
      return category === 'gp_surgery' ? 'keyMismatchSurgery' : 'keyMismatch'
    case 'SERVICE_KEY_UNBOUND':
    case 'TRUST_LIST_INVALID':
      return 'keyUnbound'
    case 'RECORD_TYPE_MISMATCH':
    case 'RECORD_UNVERIFIED':
    case 'ISSUER_NOT_ALLOWED':
    case 'RECORD_NOT_FOR_REQUESTER':
    case 'OUTSIDE_TEMPLATE':
      return 'recordsNotChecked'
    default:
      return 'errorGeneric'
  }
}

/**
 * One request, one decision per screen (domain.md (d) 8): who is asking and the code to compare;
 * for employers, landlords and family, whether anyone is pressing; what to share, item by item;
 * for how long; check your answers; done, with Stop sharing right there.
 */
export function RequestFlow({ request, session, onHome, onLock }: RequestFlowProps) {
  const { t, language } = useLanguage()
  const checked = session.checkRequester(request)
  // The listed name when this app checked it; otherwise the requester's own, marked everywhere.
  const name = checked.verified ? checked.name : t('nameNotChecked', { name: checked.name })
  const category = checked.verified ? (checked.category as OrganisationCategory) : 'unverified'
  const giving = request.authorization_details.every(
    (d) => d.actions.includes('deposit') && !d.actions.includes('read'),
  )
  const asked = [...new Set(request.authorization_details.flatMap((d) => d.record_types))]
  const purpose = [...new Set(request.authorization_details.map((d) => d.purpose))].join(' ')
  // Issue 21: read requests stay inside the template of the checked category ([TPL-04]).
  const {
    offered,
    withheld,
    days: askedDays,
  } = consentChoices(asked, Math.max(...request.authorization_details.map((d) => d.duration_days)), category, giving)

  const [TemplateView, setTemplateView] = useState<Awaited<typeof templateView>>()
  useEffect(() => {
    void templateView.then(setTemplateView)
  }, [])
  const [step, setStep] = useState<Step>('who')
  // Sensitive items start off; the holder turns them on (domain.md (d) 2).
  // Issue 19: a supporter starts with appointments and the licence only, never health.
  const [chosen, setChosen] = useState<ReadonlySet<RecordType>>(
    () =>
      new Set(
        offered.filter((type) =>
          category === 'supporter' ? SUPPORTER_DEFAULT_TYPES.includes(type) : giving || !RECORD_TYPES[type].sensitive,
        ),
      ),
  )
  const [onlyToday, setOnlyToday] = useState(false)
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const [grant, setGrant] = useState<Grant>()
  const [confirmStop, setConfirmStop] = useState(false)
  // The records the service would read, opened on the phone, so the person sees each line first.
  const [records, setRecords] = useState<SavedRecord[]>()
  useEffect(() => {
    if (giving) return
    session
      .records()
      .then(setRecords)
      .catch(() => session.savedRecords().then(setRecords))
  }, [])

  const days = onlyToday ? 1 : askedDays
  // Counted from the host's time: a phone a day out would otherwise show the wrong end day.
  const endsAt = (n: number) => {
    const at = session.now() + n * DAY
    return t('untilWhen', { time: timeOnly(language, at), date: dayAndDate(language, at) })
  }
  const until = endsAt(days)
  const words = (types: Iterable<RecordType>) =>
    listOf(
      language,
      [...types].map((type) => t(RECORD_WORDS[type])),
    )
  const layout = (title: string, body: preact.ComponentChildren) => (
    <Layout
      title={title}
      onLock={onLock}
      // Leaving before deciding is allowed: the request waits, unanswered, until it expires.
      onHome={onHome}
    >
      <ErrorSummary message={error} />
      {body}
    </Layout>
  )

  const refuse = async (next: Step) => {
    setBusy(true)
    try {
      await session.deny(request)
      setError(undefined)
      setStep(next)
    } catch (e) {
      setError(e instanceof TypeError ? t('errorNetwork') : t('errorGeneric'))
    } finally {
      setBusy(false)
    }
  }
  const share = async () => {
    setBusy(true)
    try {
      // Issue 19: a recipient we could not check, or one that is not a care or justice service,
      // gets a cooling-off before the grant starts (host time); GP, pharmacy and probation do not.
      const coolingOff = !giving && (!checked.verified || PRESSURE_CHECK_CATEGORIES.includes(checked.category))
      setGrant(
        await session.approve(request, {
          recordTypes: [...chosen],
          durationDays: days,
          ...(coolingOff ? { coolingOffSeconds: COOLING_OFF_SECONDS } : {}),
        }),
      )
      setError(undefined)
      setStep('done')
    } catch (e) {
      setError(e instanceof TypeError ? t('errorNetwork') : t(refusalMessage(e, checked.category)))
    } finally {
      setBusy(false)
    }
  }
  const stop = async () => {
    if (grant === undefined) return
    setBusy(true)
    try {
      await session.revoke(grant.grant_id)
      setError(undefined)
      setStep('stopped')
    } catch (e) {
      setError(e instanceof TypeError ? t('errorNetwork') : t('errorGeneric'))
    } finally {
      setBusy(false)
    }
  }
  const no = (
    <button type="button" class="button" disabled={busy} onClick={() => refuse('saidNo')}>
      {giving ? t('dontAccept') : t('dontShare')}
    </button>
  )

  switch (step) {
    case 'who':
      return layout(
        t('whoTitle'),
        <>
          <p class="lead">{t(giving ? 'whoAsksGive' : 'whoAsksSee', { name })}</p>
          <p>{t('whoType', { type: t(categoryWord(checked.category)) })}</p>
          {checked.verified ? (
            <div class="badge badge-ok">
              <strong>✓ {t('verified')}</strong>
              <p>{t('verifiedText', { name })}</p>
            </div>
          ) : (
            <div class="badge badge-warn">
              <strong>! {t('unverified')}</strong>
              <p>{t('unverifiedText')}</p>
            </div>
          )}
          {!giving && TemplateView !== undefined && (
            <TemplateView.TemplateNoticeView
              category={category}
              withheld={withheld}
              askedDays={Math.max(...request.authorization_details.map((d) => d.duration_days))}
              name={name}
            />
          )}
          <h2>{t('codeTitle')}</h2>
          <p>{t('codeText')}</p>
          <p class="code" data-testid="binding-message">
            {request.binding_message}
          </p>
          <ChoiceButtons>
            <button
              type="button"
              class="button"
              onClick={() =>
                setStep(!checked.verified || PRESSURE_CHECK_CATEGORIES.includes(checked.category) ? 'pressure' : 'what')
              }
            >
              {t('next')}
            </button>
            {no}
          </ChoiceButtons>
        </>,
      )
    case 'pressure':
      return layout(
        t('pressureTitle'),
        <>
          <p class="lead">{t('pressureQuestion')}</p>
          <ChoiceButtons>
            <button type="button" class="button" onClick={() => setStep('what')}>
              {t('pressureNo')}
            </button>
            <button type="button" class="button" disabled={busy} onClick={() => refuse('pressured')}>
              {t('pressureYes')}
            </button>
          </ChoiceButtons>
        </>,
      )
    case 'pressured':
      return layout(
        t('pressureHelpTitle'),
        <>
          <p>{t('pressureHelpText')}</p>
          <p>
            <strong>{t('pressureHelpCall')}</strong>
          </p>
          <p>{t('pressureHelpTalk')}</p>
        </>,
      )
    case 'what': {
      const plain = offered.filter((type) => giving || !RECORD_TYPES[type].sensitive)
      const sensitive = offered.filter((type) => !giving && RECORD_TYPES[type].sensitive)
      const toggle = (type: RecordType) => (on: boolean) => {
        const next = new Set(chosen)
        if (on) next.add(type)
        else next.delete(type)
        setChosen(next)
        setError(undefined)
      }
      const item = (type: RecordType) => (
        <Checkbox
          id={`item-${type}`}
          label={t(RECORD_WORDS[type])}
          checked={chosen.has(type)}
          onChange={toggle(type)}
          describedBy={giving ? undefined : `preview-${type}`}
        >
          {!giving && (
            <>
              <p class="hint">{t('previewIntro')}</p>
              {records === undefined ? (
                <p>{t('loading')}</p>
              ) : (
                <SharePreview
                  id={`preview-${type}`}
                  payloads={records.filter((r) => r.recordType === type).map((r) => r.payload)}
                />
              )}
            </>
          )}
        </Checkbox>
      )
      return layout(
        giving ? t('whatTitleGive') : t('whatTitle'),
        <>
          <p>{t('whatWhy', { purpose })}</p>
          <fieldset class="checkboxes">
            <legend class="hint">{giving ? t('whatTitleGive') : t('whatWhole')}</legend>
            {plain.map((type) => (
              <div key={type}>{item(type)}</div>
            ))}
          </fieldset>
          {sensitive.length > 0 && (
            <section aria-labelledby="private-heading">
              <h2 id="private-heading">{t('whatPrivate')}</h2>
              <p class="hint">{t('whatPrivateText')}</p>
              <fieldset class="checkboxes">
                <legend class="visually-hidden">{t('whatPrivate')}</legend>
                {sensitive.map((type) => (
                  <div key={type}>{item(type)}</div>
                ))}
              </fieldset>
            </section>
          )}
          {withheld.length > 0 && (
            <div class="notice">
              <p>{t('whatNotOffered', { name })}</p>
              {withheld.map((type) => (
                <p key={type}>{t('whatNotOfferedItem', { item: t(RECORD_WORDS[type]) })}</p>
              ))}
            </div>
          )}
          <ChoiceButtons>
            <button
              type="button"
              class="button"
              onClick={() => {
                if (chosen.size === 0) return setError(t('whatNothing'))
                setError(undefined)
                setStep(giving ? 'check' : 'howLong')
              }}
            >
              {t('next')}
            </button>
            {no}
          </ChoiceButtons>
        </>,
      )
    }
    case 'howLong':
      return layout(
        t('howLongTitle'),
        <>
          {askedDays <= 1 ? (
            // One choice is no choice: say what it is instead of showing a lone radio button.
            <p class="lead">
              {t('howLongOnly', {
                time: timeOnly(language, session.now() + DAY),
                date: dayAndDate(language, session.now() + DAY),
              })}
            </p>
          ) : (
            <fieldset class="radios">
              <legend>{t('howLongLegend')}</legend>
              <div class="radio">
                <input
                  type="radio"
                  id="how-long-asked"
                  name="how-long"
                  checked={!onlyToday}
                  onChange={() => setOnlyToday(false)}
                />
                <label for="how-long-asked">{t('howLongAsked', { days: askedDays, date: endsAt(askedDays) })}</label>
              </div>
              <div class="radio">
                <input
                  type="radio"
                  id="how-long-once"
                  name="how-long"
                  checked={onlyToday}
                  onChange={() => setOnlyToday(true)}
                />
                <label for="how-long-once">{t('howLongOnce', { date: endsAt(1) })}</label>
              </div>
            </fieldset>
          )}
          <ChoiceButtons>
            <button type="button" class="button" onClick={() => setStep('check')}>
              {t('next')}
            </button>
            {no}
          </ChoiceButtons>
        </>,
      )
    case 'check':
      return layout(
        t('checkTitle'),
        <>
          <dl class="summary">
            <div>
              <dt>{t('checkWho')}</dt>
              <dd>{name}</dd>
            </div>
            <div>
              <dt>{t('checkWhat')}</dt>
              <dd>
                {words(chosen)}{' '}
                <button
                  type="button"
                  class="link-button"
                  aria-label={t('checkChangeWhat')}
                  onClick={() => setStep('what')}
                >
                  {t('checkChange')}
                </button>
              </dd>
            </div>
            {!giving && (
              <div>
                <dt>{t('checkUntil')}</dt>
                <dd>
                  {until}{' '}
                  <button
                    type="button"
                    class="link-button"
                    aria-label={t('checkChangeUntil')}
                    onClick={() => setStep('howLong')}
                  >
                    {t('checkChange')}
                  </button>
                </dd>
              </div>
            )}
            <div>
              <dt>{t('checkCode')}</dt>
              <dd class="code-inline">{request.binding_message}</dd>
            </div>
          </dl>
          {giving ? (
            <p>{t('giveText')}</p>
          ) : (
            <>
              <p>{checked.verified && checked.category === 'gp_surgery' ? t('keepCopyGp') : t('keepCopy', { name })}</p>
              <p>
                {t('sayNo')} {t('sayNoPaper')}
              </p>
            </>
          )}
          <ChoiceButtons>
            <button type="button" class="button" disabled={busy} onClick={share}>
              {giving ? t('accept') : t('share')}
            </button>
            {no}
          </ChoiceButtons>
        </>,
      )
    case 'done':
      return layout(
        giving ? t('doneGiveTitle') : t('doneTitle'),
        <>
          <p class="lead">
            {giving
              ? t('doneGiveText', { name })
              : t('doneText', {
                  items: words(chosen),
                  name,
                  // After a cooling-off the grant ends later: the end the host stored.
                  date:
                    grant?.starts_at === undefined
                      ? until
                      : t('untilWhen', {
                          time: timeOnly(language, grant.expires_at),
                          date: dayAndDate(language, grant.expires_at),
                        }),
                })}
          </p>
          {grant?.starts_at !== undefined && (
            <p data-testid="cooling-off">
              {t('coolingOffNotice', {
                name,
                time: timeOnly(language, grant.starts_at),
                date: dayAndDate(language, grant.starts_at),
              })}
            </p>
          )}
          <p>{giving ? t('doneGiveStop') : t('doneStop')}</p>
          {confirmStop ? (
            <Confirm
              question={giving ? t('stopSendingConfirm', { name }) : t('stopConfirm', { name })}
              yes={giving ? t('stopSendingYes') : t('stopYes')}
              no={giving ? t('stopSendingNo') : t('stopNo')}
              busy={busy}
              onYes={stop}
              onNo={() => setConfirmStop(false)}
            />
          ) : (
            <button type="button" class="button" disabled={busy} onClick={() => setConfirmStop(true)}>
              {giving ? t('stopSending', { name }) : t('stopSharingWith', { name })}
            </button>
          )}
        </>,
      )
    case 'stopped':
      return layout(
        giving ? t('stoppedSendingTitle') : t('stoppedTitle'),
        <p class="lead" role="status">
          {giving ? t('stoppedSending', { name }) : t('stopped', { name })}
        </p>,
      )
    case 'saidNo':
      return layout(t('saidNoTitle'), <p class="lead">{t('saidNoText', { name })}</p>)
  }
}
