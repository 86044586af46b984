// A rough passphrase strength hint. The passphrase is a second factor next to the 256-bit link key
// and the server allows only a few wrong tries, so the hint is about resisting a guesser who has
// the link (a forwarded email, a scanner), not about offline cracking.

export interface Strength {
  /** 0 (empty) to 4 (strong). */
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  advice: string;
}

const common = new Set([
  'password', 'passwort', '123456', '12345678', '123456789', 'qwerty', 'letmein', 'welcome', 'secret',
  'admin', 'iloveyou', 'monkey', 'dragon', 'abc123', 'sunshine', 'parley', 'changeme', 'football',
]);

/** Estimated bits of entropy from length and the character classes used. */
export function estimateBits(p: string): number {
  const chars = [...p];
  if (chars.length === 0) return 0;
  let pool = 0;
  if (/[a-z]/.test(p)) pool += 26;
  if (/[A-Z]/.test(p)) pool += 26;
  if (/[0-9]/.test(p)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(p)) pool += 33;
  const distinct = new Set(chars).size;
  // Repeats and short cycles add little: count distinct characters more than length.
  const effective = Math.min(chars.length, distinct * 2);
  return Math.log2(Math.max(pool, 2)) * effective;
}

export function strength(p: string): Strength {
  if (p.length === 0) return { score: 0, label: '', advice: 'Optional. Send it by another way than the link, for example by phone.' };
  if (common.has(p.toLowerCase().replace(/[0-9!]+$/, ''))) {
    return { score: 1, label: 'Weak', advice: 'This is one of the most common passwords. Use a few unrelated words.' };
  }
  const bits = estimateBits(p);
  if (bits < 36) return { score: 1, label: 'Weak', advice: 'Easy to guess. Make it longer, for example three unrelated words.' };
  if (bits < 45) return { score: 2, label: 'Fair', advice: 'Guessable by someone who knows you. A longer phrase is better.' };
  if (bits < 65) return { score: 3, label: 'Good', advice: 'Good. Send it by another way than the link.' };
  return { score: 4, label: 'Strong', advice: 'Strong. Send it by another way than the link.' };
}
