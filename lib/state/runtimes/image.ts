/**
 * Image references split as libsinsp splits them (sinsp_utils::
 * split_container_image): what precedes the first '/' is the registry
 * (`host[:port]`) and stays part of the repository; in the rest, what follows
 * the first '@' is the digest and what follows the first ':' before it is the
 * tag. There is no normalization (no implicit `docker.io/library/`), and a
 * missing tag stays empty here: the runtime clients default it to `latest`.
 */

export interface ImageReference {
  /** The registry host ('' when the reference has no '/'). */
  hostname: string;
  /** The registry port ('' when none). */
  port: string;
  /** Everything before the tag and digest, registry included: `registry:5000/team/app`. */
  repository: string;
  tag: string;
  /** `algorithm:hex`, e.g. `sha256:…` ('' when none). */
  digest: string;
}

/** `[before, after]` around the first `sep`, or undefined when `s` has none. */
function cut(s: string, sep: string): [string, string] | undefined {
  const i = s.indexOf(sep);
  return i < 0 ? undefined : [s.slice(0, i), s.slice(i + 1)];
}

export function splitContainerImage(image: string): ImageReference {
  let hostname = '';
  let port = '';
  let registry = '';
  let rest = image;
  const slash = cut(image, '/');
  if (slash) {
    registry = `${slash[0]}/`;
    rest = slash[1];
    [hostname, port] = cut(slash[0], ':') ?? [slash[0], ''];
  }
  const [named, digest] = cut(rest, '@') ?? [rest, ''];
  const [name, tag] = cut(named, ':') ?? [named, ''];
  return { hostname, port, repository: registry + name, tag, digest };
}
