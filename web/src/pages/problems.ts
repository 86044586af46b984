// What a person reads for each problem the API can answer. The wording says what happened, whether
// anything was used up, and what to do next.

import { NetworkError, ProblemError } from '../api';
import { FormatError } from '../format/secret';
import { DamagedLinkError } from '../format/link';
import { h, notice, plural, time } from '../ui';

export type Context = 'create' | 'open' | 'manage' | 'request' | 'respond';

function times(p: ProblemError, member: string): Node[] {
  const list = p.times(member);
  const out: Node[] = [];
  list.forEach((t, i) => {
    if (i > 0) out.push(document.createTextNode(i === list.length - 1 ? ' and ' : ', '));
    out.push(time(t));
  });
  return out;
}

export function damagedLink(reason: string): HTMLElement {
  return notice(
    'error',
    'This link is damaged.',
    h('p', { text: `${reason[0]!.toUpperCase()}${reason.slice(1)}. Nothing was opened or used up.` }),
    h('p', { text: 'Copy the whole link again, including everything after the # sign, or ask the sender for it.' }),
  );
}

export function describeProblem(e: unknown, context: Context): HTMLElement {
  if (e instanceof DamagedLinkError) return damagedLink(e.reason);
  if (e instanceof NetworkError) {
    return notice('error', 'The Parley server could not be reached.', h('p', { text: 'Check your connection and try again. Nothing was changed.' }));
  }
  if (e instanceof FormatError) {
    if (context === 'respond') return damagedLink('the key in the link is not usable');
    if (context === 'request') {
      return notice('error', 'The answer could not be decrypted.', h('p', { text: 'The stored answer does not match the key in your private link: it was altered.' }));
    }
    return notice('error', 'The secret could not be decrypted.', h('p', { text: 'The data does not match the key in the link: the link or the stored data was altered.' }));
  }
  if (!(e instanceof ProblemError)) {
    const message = e instanceof Error && e.message ? e.message : 'Something went wrong.';
    return notice('error', message, h('p', { text: 'Nothing was changed. Please try again.' }));
  }
  if (context === 'request' || context === 'respond') {
    const described = describeRequestProblem(e, context);
    if (described) return described;
  }
  switch (e.slug) {
    case 'not-found':
      return context === 'manage'
        ? notice('error', 'There is no secret for this manage link.', h('p', { text: 'It never existed, or its record was removed after it expired.' }))
        : notice('error', 'There is no secret at this link.', h('p', { text: 'It never existed, or it is gone. If you expected a secret, ask the sender to share it again.' }));
    case 'already-opened':
      return notice(
        'error',
        'This secret was already opened.',
        h('p', {}, 'It was opened on ', ...times(e, 'openedAt'), '. If that was not you, someone else had the link: tell the sender.'),
      );
    case 'expired':
      return notice('error', 'This secret has expired.', h('p', {}, 'It expired on ', ...times(e, 'expiredAt'), ' without being opened. Ask the sender for a new one.'));
    case 'destroyed':
      return notice('error', 'This secret was destroyed by its sender.', h('p', {}, 'It was destroyed on ', ...times(e, 'destroyedAt'), '.'));
    case 'burned':
      return notice('error', 'This secret was destroyed after too many wrong passphrases.', h('p', { text: 'Ask the sender to share it again.' }));
    case 'wrong-passphrase': {
      const left = e.attemptsLeft;
      return notice(
        'error',
        'That passphrase is not right.',
        h('p', { text: left === null ? 'Try again.' : `${plural(left, 'attempt', 'attempts')} left before the secret is destroyed.` }),
      );
    }
    case 'access-denied':
      return damagedLink('the key in the link does not match this secret');
    case 'unauthorized':
      return context === 'manage'
        ? damagedLink('the manage token in the link is not right')
        : notice('error', 'The server refused this request.', h('p', { text: 'The download permission expired. Reload the page.' }));
    case 'not-ready':
      return notice('info', 'This secret is still being uploaded.', h('p', { text: 'Try again in a minute. Nothing was used up.' }));
    case 'rate-limited':
      return notice('error', 'Too many requests.', h('p', { text: 'Wait a minute, then try again. Nothing was changed.' }));
    case 'creation-closed':
      return notice('error', 'Creating secrets is closed on this server.');
    case 'payload-too-large':
      return notice('error', 'The secret is too large for this server.');
    case 'invalid-id':
      return damagedLink('the secret id in the link is damaged');
    case 'invalid-request': {
      const why = (e.extensions.errors as Record<string, string[]> | undefined)?.webhook?.[0];
      if (why) return notice('error', 'The notification URL cannot be used.', h('p', { text: `It ${why}. Nothing was created.` }));
      return notice('error', 'The server refused the request.', h('p', { text: e.detail || `Error ${e.status}.` }));
    }
    default:
      return notice('error', 'The server refused the request.', h('p', { text: e.detail || `Error ${e.status}.` }));
  }
}

/** The problems whose wording differs for request-a-secret; null for those worded as for secrets. */
function describeRequestProblem(e: ProblemError, context: 'request' | 'respond'): HTMLElement | null {
  const respond = context === 'respond';
  switch (e.slug) {
    case 'not-found':
      return respond
        ? notice('error', 'There is no request at this link.', h('p', { text: 'It never existed, it was removed after it ended, or the link was altered. Ask the person who sent it to copy the whole link again.' }))
        : notice('error', 'There is no request for this private link.', h('p', { text: 'It never existed, or its record was removed after it ended.' }));
    case 'already-answered':
      return notice(
        'error',
        'This request was already answered.',
        h('p', {}, 'It was answered on ', ...times(e, 'answeredAt'), '. A request takes one answer. If that was not you, someone else had the link: tell the person who asked.'),
      );
    case 'not-answered':
      return notice('info', 'There is no answer yet.', h('p', { text: 'Try again once the person you asked has answered.' }));
    case 'already-opened':
      return notice(
        'error',
        'The answer was already opened.',
        h('p', {}, 'It was opened on ', ...times(e, 'openedAt'), '. If that was not you, someone else has your private link.'),
      );
    case 'expired':
      return respond
        ? notice('error', 'This request has expired.', h('p', {}, 'It expired on ', ...times(e, 'expiredAt'), '. Ask the person who sent it for a new one.'))
        : notice('error', 'This request has expired.', h('p', {}, 'It expired on ', ...times(e, 'expiredAt'), '.'));
    case 'destroyed':
      return respond
        ? notice('error', 'The person who asked withdrew this request.', h('p', {}, 'It was withdrawn on ', ...times(e, 'destroyedAt'), '. There is nothing to answer.'))
        : notice('error', 'This request was withdrawn.', h('p', {}, 'It was withdrawn on ', ...times(e, 'destroyedAt'), '.'));
    case 'unauthorized':
      return respond ? null : damagedLink('the key in the link does not match this request');
    case 'access-denied':
      return respond ? null : describeProblem(new FormatError('the answer does not match the key'), context);
    case 'invalid-id':
      return damagedLink('the request id in the link is damaged');
    case 'invalid-request': {
      const errors = e.extensions.errors as Record<string, string[]> | undefined;
      const why = errors?.label?.[0];
      return why ? notice('error', 'The description cannot be used.', h('p', { text: `It ${why}.` })) : null;
    }
    case 'creation-closed':
      return notice('error', 'Requests are closed on this server.', h('p', { text: 'The operator has turned off creating secrets and requests.' }));
    default:
      return null;
  }
}
