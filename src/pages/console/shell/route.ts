/** Where the admin is: the URL's hash (`#/templates`, `#/dialog/send-sms`), never holding anything secret. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'actions' }
  | { page: 'templates' }
  | { page: 'dialog'; id: string }
  | { page: 'profiles' }
  | { page: 'users' }
  | { page: 'audit' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  switch (parts[0]) {
    case 'templates':
      return { page: 'templates' };
    case 'dialog':
      return parts[1] ? { page: 'dialog', id: decodeURIComponent(parts[1]) } : { page: 'templates' };
    case 'profiles':
      return { page: 'profiles' };
    case 'users':
      return { page: 'users' };
    case 'audit':
      return { page: 'audit' };
    default:
      return { page: 'actions' };
  }
}

export function hrefOf(route: Route): string {
  return route.page === 'dialog' ? `#/dialog/${encodeURIComponent(route.id)}` : `#/${route.page}`;
}

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
