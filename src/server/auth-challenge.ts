/** The challenge HTTP requires of a 401 (RFC 9110 §15.5.2): which scheme the server wants, Bearer (RFC 6750). */
import type { Plugin } from 'graphql-yoga';

export function useAuthChallenge(): Plugin {
  return {
    onResponse: ({ response }) => {
      if (response.status === 401) response.headers.set('www-authenticate', 'Bearer realm="infergraph"');
    },
  };
}
