/** Hides credentials in a URL (`https://token@host/...`, `https://user:pass@host/...`). */
export function redactUrl(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i,
    (_match, scheme: string, userinfo: string) => {
      if (/^https?:\/\/$/i.test(scheme)) {
        return `${scheme}***@`;
      }
      const colon = userinfo.indexOf(':');
      return colon === -1
        ? `${scheme}${userinfo}@`
        : `${scheme}${userinfo.slice(0, colon)}:***@`;
    },
  );
}

/**
 * Hides a URL's credentials wherever they appear in `text` (git's error output): the whole
 * URL is replaced by its redacted form, then the user info and a password of 4+ characters.
 */
export function redactCredentials(text: string, url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(url);
  let result = text.split(url).join(redactUrl(url));
  if (match && match[1]) {
    const userinfo = match[1];
    result = result.split(userinfo).join('***');
    const password = userinfo.slice(userinfo.indexOf(':') + 1);
    if (userinfo.includes(':') && password.length >= 4) {
      result = result.split(password).join('***');
    }
  }
  return result;
}
