import { type FormEvent, useState } from 'react';
import { ApiError, apiCall } from '../api';
import { fieldMessage } from '../format';

type Field = 'name' | 'titles' | 'locations' | 'seniorities' | 'industries' | 'keywords' | 'employee_ranges' | 'lead_limit' | 'copy_prompt' | 'instantly_campaign_id';

const LABELS: Record<Field, string> = {
  name: 'Name',
  titles: 'Job titles',
  locations: 'Locations',
  seniorities: 'Seniorities',
  industries: 'Industries',
  keywords: 'Keywords',
  employee_ranges: 'Employee ranges',
  lead_limit: 'Lead limit',
  copy_prompt: 'Copy prompt',
  instantly_campaign_id: 'Instantly campaign ID',
};

const CRITERIA = 'search_criteria';

const EMPTY: Record<Field, string> = { name: '', titles: '', locations: '', seniorities: '', industries: '', keywords: '', employee_ranges: '', lead_limit: '25', copy_prompt: '', instantly_campaign_id: '' };

/** "CTO, VP Engineering" -> ["CTO", "VP Engineering"]; empty -> left out (the API says what is missing). */
const list = (value: string) => {
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  return items.length ? items : undefined;
};

/** Create (and by default start) a campaign; the API's validation messages appear beside their fields. */
export function NewCampaignForm({ apiKey }: { apiKey: string }) {
  const [values, setValues] = useState(EMPTY);
  const [startNow, setStartNow] = useState(true);
  const [errors, setErrors] = useState<Partial<Record<Field | typeof CRITERIA | 'form', string>>>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setDone(null);
    const body = {
      name: values.name,
      search_criteria: {
        titles: list(values.titles),
        locations: list(values.locations),
        seniorities: list(values.seniorities),
        industries: list(values.industries),
        keywords: values.keywords.trim() || undefined,
        employee_ranges: list(values.employee_ranges),
      },
      lead_limit: values.lead_limit.trim() === '' ? undefined : Number(values.lead_limit),
      copy_prompt: values.copy_prompt,
      instantly_campaign_id: values.instantly_campaign_id,
    };
    let created: { id: string; name: string } | undefined;
    try {
      created = await apiCall<{ id: string; name: string }>(apiKey, 'POST', '/campaigns', body);
      if (startNow) await apiCall(apiKey, 'POST', `/campaigns/${created.id}/start`);
      setDone(`Campaign “${created.name}” ${startNow ? 'created and started' : 'created'}.`);
      setValues(EMPTY);
    } catch (error) {
      if (created) setErrors({ form: `Campaign “${created.name}” was created but could not start: ${error instanceof ApiError ? error.detail : String(error)}` });
      else if (error instanceof ApiError && error.fieldErrors.length > 0) setErrors(placeErrors(error.fieldErrors));
      else setErrors({ form: error instanceof ApiError ? error.detail : String(error) });
    } finally {
      setBusy(false);
    }
  }

  const input = (field: Field, props: { type?: string; multiline?: boolean; hint?: string } = {}) => {
    const id = `new-${field}`;
    const error = errors[field];
    const described = [props.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
    const common = {
      id,
      name: field,
      value: values[field],
      'aria-invalid': error ? true : undefined,
      'aria-describedby': described,
      onChange: (event: { target: { value: string } }) => setValues({ ...values, [field]: event.target.value }),
    };
    return (
      <div className={`field ${field}`}>
        <label htmlFor={id}>{LABELS[field]}</label>
        {props.multiline ? <textarea rows={3} {...common} /> : <input type={props.type ?? 'text'} {...common} />}
        {props.hint && (
          <span id={`${id}-hint`} className="hint">
            {props.hint}
          </span>
        )}
        {error && (
          <span id={`${id}-error`} className="field-error">
            {error}
          </span>
        )}
      </div>
    );
  };

  return (
    <section aria-labelledby="new-campaign-title" className="card">
      <h2 id="new-campaign-title">New campaign</h2>
      <form onSubmit={(event) => void submit(event)} noValidate className="new-campaign">
        {input('name')}
        {input('instantly_campaign_id')}
        <fieldset aria-describedby={errors[CRITERIA] ? 'criteria-error' : 'criteria-hint'}>
          <legend>Search criteria</legend>
          <p id="criteria-hint" className="hint">
            At least one. Separate several values with commas.
          </p>
          {errors[CRITERIA] && (
            <p id="criteria-error" className="field-error">
              {errors[CRITERIA]}
            </p>
          )}
          <div className="criteria">
            {input('titles')}
            {input('locations')}
            {input('seniorities')}
            {input('industries')}
            {input('keywords')}
            {input('employee_ranges', { hint: 'e.g. 11,50 or 11-50' })}
          </div>
        </fieldset>
        {input('lead_limit', { type: 'number' })}
        {input('copy_prompt', { multiline: true })}
        <div className="field checkbox">
          <input id="new-start-now" type="checkbox" checked={startNow} onChange={(event) => setStartNow(event.target.checked)} />
          <label htmlFor="new-start-now">Start it right away</label>
        </div>
        {errors.form && (
          <p role="alert" className="banner error">
            {errors.form}
          </p>
        )}
        {Object.keys(errors).some((k) => k !== 'form') && (
          <p role="alert" className="banner error">
            The campaign was not created: correct the fields marked below their input.
          </p>
        )}
        {done && (
          <p role="status" className="banner success">
            {done}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Creating…' : startNow ? 'Create and start campaign' : 'Create campaign'}
        </button>
      </form>
    </section>
  );
}

/** `body.search_criteria.titles.0` -> titles; `body.search_criteria` -> the criteria group; else the form. */
function placeErrors(fieldErrors: { field: string; message: string }[]) {
  const placed: Partial<Record<Field | typeof CRITERIA | 'form', string>> = {};
  for (const { field, message } of fieldErrors) {
    const path = field.split('.').slice(1);
    const name = (path[0] === CRITERIA ? path[1] : path[0]) as Field | undefined;
    if (name && name in LABELS) {
      placed[name] ??= fieldMessage(LABELS[name], message);
    } else if (path[0] === CRITERIA) {
      placed[CRITERIA] ??= fieldMessage('Search criteria', message);
    } else placed.form = [placed.form, message].filter(Boolean).join('; ');
  }
  return placed;
}

