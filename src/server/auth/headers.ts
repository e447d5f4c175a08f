/**
 * Security headers on every answer (helmet). The pages are server-rendered with inline styles
 * and no scripts, so the content security policy allows inline styles, scripts only from this
 * origin (and their requests only to it), forms only to this origin, and no framing (a framed login form is clickjacking bait).
 */
import helmet from 'helmet';

export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
  });
}
