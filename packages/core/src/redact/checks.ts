/** Validators that keep redaction from hitting look-alikes (ids, versions, times). */

/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** IBAN check digits (ISO 13616 mod 97), spaces ignored; length 15..34. */
export function ibanValid(candidate: string): boolean {
  const s = candidate.replace(/ /g, '').toUpperCase();
  if (s.length < 15 || s.length > 34 || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? String(code - 55) : ch;
    for (const digit of v) rem = (rem * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** A strict IPv6 address (optionally ending in dotted IPv4); zone ids are not part of the candidate. */
export function ipv6Valid(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  for (let h = 0; h < halves.length; h++) {
    const half = halves[h] ?? '';
    if (half === '') continue;
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? '';
      const lastOfAll = h === halves.length - 1 && i === parts.length - 1;
      if (lastOfAll && p.includes('.')) {
        if (!ipv4Valid(p)) return false;
        groups += 2;
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) {
        groups += 1;
      } else {
        return false;
      }
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

/** Dotted-quad IPv4 with octets 0..255 and no leading zeros. */
export function ipv4Valid(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(p));
}

/** Whether a bearer/API token candidate looks random (has a digit, or is long) rather than a word. */
export function looksLikeToken(s: string): boolean {
  return s.length >= 8 && (/\d/.test(s) || s.length >= 20);
}

/** Whether base64 decodes to `user:password` in printable ASCII, as HTTP Basic credentials do. */
export function isBasicCredentials(b64: string): boolean {
  if (b64.length % 4 !== 0 || b64.length > 1024) return false;
  let decoded: string;
  try {
    decoded = atob(b64);
  } catch {
    return false;
  }
  return /^[\x20-\x7e]+$/.test(decoded) && decoded.indexOf(':') > 0;
}
