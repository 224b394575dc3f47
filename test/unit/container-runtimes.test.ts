/**
 * Container metadata from the runtimes' APIs: image references split as
 * libsinsp splits them, the Docker Engine client against a fake engine on a
 * unix socket (fields, image info, API version fallback, podman, shared
 * networks, failures), the asynchronous lookups (one per container, retries,
 * negative caching, limits, close), and the way through the pipeline and
 * the Inspector to `container.*` fields.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventBatch, PPME, encodeEvent } from '../../lib/events/index.js';
import '../../lib/fields/index.js';
import { Capture } from '../../lib/capture.js';
import { EventPipeline } from '../../lib/pipeline.js';
import { containerFromCgroups, type ContainerInfo } from '../../lib/state/containers.js';
import { DockerEngineClient, splitContainerImage } from '../../lib/state/runtimes/index.js';
import { fakeDockerEngine, until, type FakeAnswer, type FakeEngine } from '../helpers/fake-docker.js';
import { closeLookups, lookupOf, rejection, threadIn } from '../helpers/runtime-lookups.js';

const FULL_ID = '3f2b8c1d9e7a4b6c5d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e';
const ID = FULL_ID.slice(0, 12);
const IMAGE_HEX = 'a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6';
const LONG_LABEL = `https://example.com/${'x'.repeat(100)}`;

/** What `docker inspect web` says of an nginx container started with `docker run --privileged --name web nginx:1.25`. */
function containerJson(over: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Id: FULL_ID,
    Created: '2024-05-14T09:21:07.123456789Z',
    Path: '/docker-entrypoint.sh',
    Args: ['nginx', '-g', 'daemon off;'],
    State: { Status: 'running', Running: true, Paused: false, Pid: 41234, ExitCode: 0, StartedAt: '2024-05-14T09:21:07.5Z' },
    Image: `sha256:${IMAGE_HEX}`,
    Name: '/web',
    RestartCount: 0,
    Driver: 'overlay2',
    HostConfig: { Privileged: true, NetworkMode: 'bridge', Memory: 0, MemorySwap: 0, CpuShares: 0, CpuQuota: 0, CpusetCpus: '' },
    Mounts: [
      { Type: 'bind', Source: '/srv/www', Destination: '/usr/share/nginx/html', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      { Type: 'volume', Name: 'cache', Source: '/var/lib/docker/volumes/cache/_data', Destination: '/var/cache/nginx', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
    ],
    Config: {
      Hostname: ID,
      User: 'nginx',
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NGINX_VERSION=1.25.5'],
      Cmd: ['nginx', '-g', 'daemon off;'],
      Image: 'nginx:1.25',
      Labels: { maintainer: 'NGINX Docker Maintainers <docker-maint@nginx.com>', 'com.example.team': 'web', 'org.opencontainers.image.source': LONG_LABEL },
      ...config,
    },
    NetworkSettings: {
      IPAddress: '172.17.0.3',
      Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] },
      Networks: { bridge: { IPAddress: '172.17.0.3', Gateway: '172.17.0.1', MacAddress: '02:42:ac:11:00:03' } },
    },
    ...over,
  };
}

/** `docker image inspect` of that image. */
const imageJson = {
  Id: `sha256:${IMAGE_HEX}`,
  RepoTags: ['nginx:latest', 'nginx:1.25'],
  RepoDigests: ['nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31'],
  Created: '2024-04-16T21:45:02Z',
  Size: 187694648,
};

let engines: FakeEngine[] = [];

async function engine(route: (path: string) => FakeAnswer): Promise<FakeEngine> {
  const e = await fakeDockerEngine(route);
  engines.push(e);
  return e;
}

/** An engine that knows the nginx container and its image. */
function nginxRoute(path: string): FakeAnswer {
  if (path === `/v1.24/containers/${ID}/json`) return { body: containerJson() };
  if (path === `/v1.24/images/${IMAGE_HEX}/json?digests=1`) return { body: imageJson };
  return { status: 404 };
}

afterEach(async () => {
  closeLookups();
  for (const e of engines) await e.close();
  engines = [];
});

describe('splitContainerImage (libsinsp split_container_image)', () => {
  it.each([
    ['nginx', { hostname: '', port: '', repository: 'nginx', tag: '', digest: '' }],
    ['nginx:1.25', { repository: 'nginx', tag: '1.25', digest: '' }],
    ['falcosecurity/falco:0.38.0', { hostname: 'falcosecurity', port: '', repository: 'falcosecurity/falco', tag: '0.38.0' }],
    ['registry.example.com:5000/team/app:v2', { hostname: 'registry.example.com', port: '5000', repository: 'registry.example.com:5000/team/app', tag: 'v2' }],
    ['localhost:5000/app', { hostname: 'localhost', port: '5000', repository: 'localhost:5000/app', tag: '' }],
    ['redis@sha256:abc123', { repository: 'redis', tag: '', digest: 'sha256:abc123' }],
    ['quay.io/org/app:1.0@sha256:abc123', { hostname: 'quay.io', repository: 'quay.io/org/app', tag: '1.0', digest: 'sha256:abc123' }],
    ['docker.io/library/alpine:3.19', { hostname: 'docker.io', repository: 'docker.io/library/alpine', tag: '3.19' }],
  ])('%s', (image, parts) => {
    expect(splitContainerImage(image)).toMatchObject(parts);
  });
});

describe('DockerEngineClient', () => {
  it('reads a container: name, image and its parts, privileged, labels, ip, mounts, user', async () => {
    const e = await engine(nginxRoute);
    const info = await new DockerEngineClient({ socket: e.socket }).inspect(ID);
    expect(info).toEqual({
      id: ID,
      full_id: FULL_ID,
      type: 0,
      name: 'web',
      image: 'nginx:1.25',
      imageid: IMAGE_HEX,
      imagerepo: 'nginx',
      imagetag: '1.25',
      imagedigest: 'sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
      privileged: true,
      is_pod_sandbox: false,
      created_time: Math.floor(Date.parse('2024-05-14T09:21:07Z') / 1000),
      ip: '172.17.0.3',
      labels: { maintainer: 'NGINX Docker Maintainers <docker-maint@nginx.com>', 'com.example.team': 'web' },
      Mounts: [
        { Source: '/srv/www', Destination: '/usr/share/nginx/html', Mode: 'ro', RW: false, Propagation: 'rprivate' },
        { Source: '/var/lib/docker/volumes/cache/_data', Destination: '/var/cache/nginx', Mode: 'z', RW: true, Propagation: '' },
      ],
      User: 'nginx',
      lookup_state: 1,
    });
    // The tag came from the name, so the image is asked for the digest only.
    expect(e.paths).toEqual([`/v1.24/containers/${ID}/json`, `/v1.24/images/${IMAGE_HEX}/json?digests=1`]);
  });

  it('an image name without a tag is latest; the image is not asked when the name tells all', async () => {
    const e = await engine((p) => {
      if (p.startsWith('/v1.24/containers/')) return { body: containerJson({}, { Image: 'redis' }) };
      return { status: 404 };
    });
    const info = await new DockerEngineClient({ socket: e.socket }).inspect(ID);
    expect(info).toMatchObject({ image: 'redis', imagerepo: 'redis', imagetag: 'latest', imagedigest: '' });

    const pinned = `ghcr.io/acme/api:2.1@sha256:${'b'.repeat(64)}`;
    const e2 = await engine(() => ({ body: containerJson({}, { Image: pinned }) }));
    expect(await new DockerEngineClient({ socket: e2.socket }).inspect(ID)).toMatchObject({
      imagerepo: 'ghcr.io/acme/api', imagetag: '2.1', imagedigest: `sha256:${'b'.repeat(64)}`,
    });
    expect(e2.paths).toHaveLength(1);
  });

  it('a container run by image id takes repository and tag from the image', async () => {
    const e = await engine((p) => {
      if (p.startsWith('/v1.24/containers/')) return { body: containerJson({}, { Image: IMAGE_HEX.slice(0, 6) }) };
      if (p.startsWith('/v1.24/images/')) return { body: { ...imageJson, RepoTags: ['nginx:1.25'] } };
      return { status: 404 };
    });
    const info = await new DockerEngineClient({ socket: e.socket }).inspect(ID);
    expect(info).toMatchObject({ image: IMAGE_HEX.slice(0, 6), imagerepo: 'nginx', imagetag: '1.25', imagedigest: imageJson.RepoDigests[0].split('@')[1] });
  });

  it('an engine that refuses API v1.24 (400) is asked without a version from then on', async () => {
    const e = await engine((p) => {
      if (p.startsWith('/v1.24/')) return { status: 400, body: { message: 'client version 1.24 is too old. Minimum supported API version is 1.44' } };
      if (p === `/containers/${ID}/json`) return { body: containerJson() };
      if (p.startsWith('/images/')) return { body: imageJson };
      return { status: 404 };
    });
    const client = new DockerEngineClient({ socket: e.socket });
    expect(await client.inspect(ID)).toMatchObject({ name: 'web', imagetag: '1.25' });
    await client.inspect(ID);
    expect(e.paths).toEqual([
      `/v1.24/containers/${ID}/json`, `/containers/${ID}/json`, `/images/${IMAGE_HEX}/json?digests=1`,
      `/containers/${ID}/json`, `/images/${IMAGE_HEX}/json?digests=1`,
    ]);
  });

  it('podman: the image is named, found in the image list; the owner label of root containers is dropped', async () => {
    const podmanContainer = containerJson(
      { Image: 'docker.io/library/alpine:3.19', Name: 'db', NetworkSettings: { IPAddress: '', Networks: { podman: { IPAddress: '10.88.0.7' } } } },
      { Image: 'docker.io/library/alpine:3.19', Labels: { podman_owner_uid: '0', app: 'db' }, User: '' },
    );
    const e = await engine((p) => {
      if (p.startsWith('/v1.24/containers/')) return { body: podmanContainer };
      if (p === '/v1.24/images/json?digests=1') return { body: '' };
      if (p === '/v1.24/images/json') {
        return {
          body: [
            { Id: 'sha256:1111', Names: ['docker.io/library/busybox:latest'], Digest: 'sha256:2222' },
            { Id: `sha256:${IMAGE_HEX}`, Names: ['docker.io/library/alpine:3.19'], Digest: 'sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b' },
          ],
        };
      }
      return { status: 404 };
    });
    const info = await new DockerEngineClient({ socket: e.socket, runtime: 'podman' }).inspect(ID);
    expect(info).toMatchObject({
      type: 11, name: 'db', image: 'docker.io/library/alpine:3.19', imageid: IMAGE_HEX,
      imagerepo: 'docker.io/library/alpine', imagetag: '3.19',
      imagedigest: 'sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b',
      labels: { app: 'db' }, ip: '10.88.0.7', User: '',
    });
  });

  it('a container in another container\'s network has that one\'s address; none known is 0.0.0.0', async () => {
    const pause = 'c0ffee'.padEnd(64, '0');
    const e = await engine((p) => {
      if (p === `/v1.24/containers/${ID}/json`) {
        return { body: containerJson({ NetworkSettings: { IPAddress: '', Networks: {} }, HostConfig: { NetworkMode: `container:${pause}` } }, { Image: 'app:1' }) };
      }
      if (p === `/v1.24/containers/${pause}/json`) return { body: containerJson({ Id: pause, NetworkSettings: { IPAddress: '10.244.1.17' } }) };
      return { status: 404 };
    });
    expect((await new DockerEngineClient({ socket: e.socket }).inspect(ID)).ip).toBe('10.244.1.17');

    const e2 = await engine(() => ({ body: containerJson({ NetworkSettings: { IPAddress: '' }, HostConfig: { NetworkMode: 'host' } }, { Image: 'app:1' }) }));
    expect((await new DockerEngineClient({ socket: e2.socket }).inspect(ID)).ip).toBe('0.0.0.0');
  });

  it('failures are typed: 404, no socket, timeout, another status, not JSON, not a container', async () => {
    const e = await engine(() => ({ status: 404, body: { message: `No such container: ${ID}` } }));
    const notFound = await rejection(new DockerEngineClient({ socket: e.socket }).inspect(ID));
    expect(notFound).toMatchObject({ code: 'RUNTIME_NOT_FOUND', status: 404, runtime: 'docker', containerId: ID });

    const missing = await rejection(new DockerEngineClient({ socket: `${e.socket}.absent` }).inspect(ID));
    expect(missing.code).toBe('RUNTIME_UNREACHABLE');
    expect(missing.message).toContain('ENOENT');

    const slow = await engine(() => ({ hang: true }));
    const t0 = Date.now();
    const timeout = await rejection(new DockerEngineClient({ socket: slow.socket, timeoutMs: 100 }).inspect(ID));
    expect(timeout.code).toBe('RUNTIME_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(2000);

    const broken = await engine(() => ({ status: 500, body: { message: 'driver failed' } }));
    expect(await rejection(new DockerEngineClient({ socket: broken.socket }).inspect(ID))).toMatchObject({ code: 'RUNTIME_HTTP', status: 500 });

    const garbage = await engine(() => ({ body: '{"Id": "abc", "Name": ' }));
    expect((await rejection(new DockerEngineClient({ socket: garbage.socket }).inspect(ID))).code).toBe('RUNTIME_BAD_RESPONSE');

    const notObject = await engine(() => ({ body: '["not", "a", "container"]' }));
    expect((await rejection(new DockerEngineClient({ socket: notObject.socket }).inspect(ID))).code).toBe('RUNTIME_BAD_RESPONSE');

    const noId = await engine(() => ({ body: { message: 'hello' } }));
    expect((await rejection(new DockerEngineClient({ socket: noId.socket }).inspect(ID))).code).toBe('RUNTIME_BAD_RESPONSE');
  });

  it('an image that cannot be read leaves what the name tells', async () => {
    const e = await engine((p) => {
      if (p.startsWith('/v1.24/containers/')) return { body: containerJson() };
      return { status: 500, body: 'oops' };
    });
    expect(await new DockerEngineClient({ socket: e.socket }).inspect(ID)).toMatchObject({ imagerepo: 'nginx', imagetag: '1.25', imagedigest: '', imageid: IMAGE_HEX });
  });
});

describe('ContainerMetadataLookup', () => {
  it('one lookup per container, however often it is asked; the result is handed over', async () => {
    const e = await engine((p) => ({ ...nginxRoute(p), delayMs: 30 }));
    const results: ContainerInfo[] = [];
    const l = lookupOf({ docker: new DockerEngineClient({ socket: e.socket }) }, (i) => results.push(i));
    for (let i = 0; i < 5; i++) l.request(ID, 'docker');
    expect(l.stats()).toMatchObject({ started: 1, pending: 1 });
    await until(() => results.length === 1);
    l.request(ID, 'docker');
    expect(e.paths.filter((p) => p.includes('/containers/'))).toHaveLength(1);
    expect(results[0]).toMatchObject({ id: ID, name: 'web' });
    expect(l.stats()).toMatchObject({ started: 1, succeeded: 1, failed: 0, pending: 0 });
  });

  it('runtimes without a client are not asked', async () => {
    const l = lookupOf({}, () => undefined);
    l.request(ID, 'docker');
    l.request(ID, 'containerd');
    expect(l.stats().started).toBe(0);
  });

  it('a 404 fails at once; an unreachable engine is retried with backoff, then not asked before failureTtlMs', async () => {
    const e = await engine(() => ({ status: 404 }));
    const results: ContainerInfo[] = [];
    const l = lookupOf({ docker: new DockerEngineClient({ socket: e.socket }) }, (i) => results.push(i));
    l.request(ID, 'docker');
    await until(() => l.stats().failed === 1);
    expect(l.stats()).toMatchObject({ retries: 0, errors: { notFound: 1 } });

    const down = lookupOf({ docker: new DockerEngineClient({ socket: '/nonexistent/docker.sock' }) }, (i) => results.push(i), { retryDelaysMs: [5, 10] });
    down.request(ID, 'docker');
    await until(() => down.stats().failed === 1);
    expect(down.stats()).toMatchObject({ started: 1, retries: 2, errors: { unreachable: 3 }, pending: 0 });
    expect(down.stats().lastError?.code).toBe('RUNTIME_UNREACHABLE');
    down.request(ID, 'docker');
    expect(down.stats().started).toBe(1);
    expect(results).toEqual([]);

    const again = lookupOf({ docker: new DockerEngineClient({ socket: '/nonexistent/docker.sock' }) }, () => undefined, { retryDelaysMs: [], failureTtlMs: 0 });
    again.request(ID, 'docker');
    await until(() => again.stats().failed === 1);
    again.request(ID, 'docker');
    expect(again.stats().started).toBe(2);
  });

  it('a timeout and garbage JSON are counted, never thrown', async () => {
    const slow = await engine(() => ({ hang: true }));
    const garbage = await engine(() => ({ body: 'not json at all' }));
    const l = lookupOf(
      { docker: new DockerEngineClient({ socket: slow.socket, timeoutMs: 50 }), podman: new DockerEngineClient({ socket: garbage.socket, runtime: 'podman' }) },
      () => undefined,
      { retryDelaysMs: [] },
    );
    l.request(ID, 'docker');
    l.request('0123456789ab', 'podman');
    await until(() => l.stats().failed === 2);
    expect(l.stats().errors).toEqual({ unreachable: 0, timeout: 1, notFound: 0, http: 0, rpc: 0, badResponse: 1 });
  });

  it('at most maxInFlight lookups at once; the others wait their turn', async () => {
    const e = await engine((p) => ({ body: containerJson({}, { Image: 'redis:7' }), delayMs: 20, status: p.includes('/containers/') ? 200 : 404 }));
    const results: ContainerInfo[] = [];
    const l = lookupOf({ docker: new DockerEngineClient({ socket: e.socket }) }, (i) => results.push(i), { maxInFlight: 2 });
    const ids = ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc', 'dddddddddddd', 'eeeeeeeeeeee'];
    for (const id of ids) l.request(id, 'docker');
    await until(() => results.length === ids.length);
    expect(results.map((r) => r.id).sort()).toEqual(ids);
    expect(e.maxConcurrent).toBe(2);
  });

  it('remembers at most maxEntries containers: finished ones make room, pending ones do not', async () => {
    const e = await engine(() => ({ hang: true }));
    const l = lookupOf({ docker: new DockerEngineClient({ socket: e.socket }) }, () => undefined, { maxEntries: 2 });
    l.request('aaaaaaaaaaaa', 'docker');
    l.request('bbbbbbbbbbbb', 'docker');
    l.request('cccccccccccc', 'docker');
    expect(l.stats()).toMatchObject({ started: 2, dropped: 1, pending: 2 });

    const e404 = await engine(() => ({ status: 404 }));
    const l2 = lookupOf({ docker: new DockerEngineClient({ socket: e404.socket }) }, () => undefined, { maxEntries: 2 });
    l2.request('aaaaaaaaaaaa', 'docker');
    l2.request('bbbbbbbbbbbb', 'docker');
    await until(() => l2.stats().failed === 2);
    l2.request('cccccccccccc', 'docker');
    l2.request('aaaaaaaaaaaa', 'docker');
    // 'aaaa…' was forgotten to make room for 'cccc…', so it is asked again.
    expect(l2.stats()).toMatchObject({ started: 4, dropped: 0 });
  });

  it('close() cancels the lookups under way: no result, no failure counted', async () => {
    const e = await engine(() => ({ hang: true }));
    const results: ContainerInfo[] = [];
    const l = lookupOf({ docker: new DockerEngineClient({ socket: e.socket }) }, (i) => results.push(i));
    l.request(ID, 'docker');
    await until(() => e.paths.length === 1);
    l.close();
    await new Promise((r) => setTimeout(r, 30));
    l.request('bbbbbbbbbbbb', 'docker');
    expect(results).toEqual([]);
    expect(l.stats()).toMatchObject({ started: 1, failed: 0, errors: { unreachable: 0 } });
  });
});

describe('through the pipeline and the Inspector', () => {
  const metadata = { processes: [threadIn(4242, [`cpu=/docker/${FULL_ID}`, `memory=/docker/${FULL_ID}`]), threadIn(1, ['cpu=/'])] };
  let ts = 1_700_000_000_000_000_000n;
  const getuid = (tid: number) => EventBatch.fromEvents([encodeEvent({ type: PPME.SYSCALL_GETUID_E, ts: (ts += 1000n), tid, params: {} })]);

  it('container.name and .image have no value until the lookup answers, then the container event gives them', async () => {
    const e = await engine(nginxRoute);
    const pipeline = new EventPipeline(metadata, { live: true, containerRuntimes: { docker: { socket: e.socket }, podman: false } });
    const first = pipeline.batch(getuid(4242)).at(0);
    expect(first.field('container.id')).toBe(ID);
    expect(first.field('container.type')).toBe('docker');
    expect(first.field('container.name')).toBeNull();
    expect(first.field('container.image')).toBeNull();
    expect(pipeline.batch(getuid(1)).at(0).field('container.name')).toBe('host');

    await until(() => pipeline.containerLookup!.stats().succeeded === 1);
    const notices = pipeline.takeContainerEvents()!;
    expect(pipeline.takeContainerEvents()).toBeUndefined();
    expect(notices.length).toBe(1);
    expect(notices.type(0)).toBe(PPME.CONTAINER_JSON_2_E);
    expect(notices.tid(0)).toBe(-1);
    expect(notices.ts(0)).toBe(ts);
    const announced = pipeline.batch(notices).at(0);
    expect(announced.field('evt.type')).toBe('container');
    expect(JSON.parse(announced.params().json as string).container).toMatchObject({ id: ID, name: 'web', image: 'nginx:1.25', lookup_state: 1 });

    const later = pipeline.batch(getuid(4242)).at(0);
    expect(later.field('container.name')).toBe('web');
    expect(later.field('container.image')).toBe('nginx:1.25');
    expect(later.field('container.image.id')).toBe(IMAGE_HEX);
    expect(later.field('container.image.repository')).toBe('nginx');
    expect(later.field('container.image.tag')).toBe('1.25');
    expect(later.field('container.image.digest')).toBe(imageJson.RepoDigests[0].split('@')[1]);
    expect(later.field('container.privileged')).toBe(true);
    expect(later.field('container.type')).toBe('docker');
    // Known now: a new thread of the container starts no lookup.
    expect(pipeline.containerLookup!.stats().started).toBe(1);
    pipeline.close();
  });

  it("rootless podman: the owner's uid from the cgroup path, its own socket asked, the owner label set as libsinsp sets it", async () => {
    const scope = `libpod-${FULL_ID}.scope`;
    const userScope = `/user.slice/user-1000.slice/user@1000.service/user.slice/${scope}/container`;
    const rootless = `cpu=${userScope}`;
    expect(containerFromCgroups([['cpu', userScope]])).toEqual({ id: ID, runtime: 'podman', owner: 1000 });
    // Root's podman, under the system slice or uid 0's user manager: the system socket.
    expect(containerFromCgroups([['cpu', `/machine.slice/${scope}`]])).toEqual({ id: ID, runtime: 'podman' });
    expect(containerFromCgroups([['cpu', `/user.slice/user-0.slice/user@0.service/user.slice/${scope}`]])).toEqual({ id: ID, runtime: 'podman' });

    const podmanContainer = containerJson({ Name: 'dev' }, { Image: 'docker.io/library/alpine:3.19', Labels: { app: 'dev' } });
    const e = await engine((p) => (p.startsWith('/v1.24/containers/') ? { body: podmanContainer } : { status: 404 }));
    const asked: number[] = [];
    const pipeline = new EventPipeline({ processes: [threadIn(7000, [rootless])] }, {
      live: true,
      containerRuntimes: {
        docker: false, containerd: false, crio: false,
        podman: { socket: '/nonexistent/podman.sock', userSocket: (uid) => (asked.push(uid), e.socket) },
      },
    });
    expect(pipeline.batch(getuid(7000)).at(0).field('container.type')).toBe('podman');
    await until(() => pipeline.containerLookup!.stats().succeeded === 1);
    pipeline.batch(pipeline.takeContainerEvents()!);
    const later = pipeline.batch(getuid(7000)).at(0);
    expect([later.field('container.name'), later.field('container.image')]).toEqual(['dev', 'docker.io/library/alpine:3.19']);
    expect(asked).toEqual([1000]);
    expect(e.paths.some((p) => p.startsWith('/v1.24/containers/'))).toBe(true);
    const announced = pipeline.inspector!.containers.get(ID)!;
    expect(announced.labels).toEqual({ app: 'dev', podman_owner_uid: '1000' });
    pipeline.close();

    // userSocket: false leaves rootless containers unasked.
    const off = new EventPipeline({ processes: [threadIn(7000, [rootless])] }, {
      live: true, containerRuntimes: { docker: false, containerd: false, crio: false, podman: { userSocket: false } },
    });
    off.batch(getuid(7000));
    expect(off.containerLookup!.stats().started).toBe(0);
    off.close();
  });

  it('a failed lookup leaves the container with its id only', async () => {
    const pipeline = new EventPipeline(metadata, {
      live: true, containerRuntimes: { docker: { socket: '/nonexistent/docker.sock' }, retryDelaysMs: [] },
    });
    const first = pipeline.batch(getuid(4242)).at(0);
    await until(() => pipeline.containerLookup!.stats().failed === 1);
    expect(pipeline.takeContainerEvents()).toBeUndefined();
    const later = pipeline.batch(getuid(4242)).at(0);
    expect([first.field('container.id'), later.field('container.id')]).toEqual([ID, ID]);
    expect(later.field('container.name')).toBeNull();
    expect(later.field('container.type')).toBe('docker');
    pipeline.close();
  });

  it('file replays and `containerRuntimes: false` ask no runtime', () => {
    expect(new EventPipeline(metadata, {}).containerLookup).toBeUndefined();
    expect(new EventPipeline(metadata, { live: true, containerRuntimes: false }).containerLookup).toBeUndefined();
    expect(new EventPipeline(metadata, { live: true, state: false }).containerLookup).toBeUndefined();
  });

  it('a Capture announces the container between batches; later events see it', async () => {
    const e = await engine(nginxRoute);
    const pipeline = new EventPipeline(metadata, { live: true, containerRuntimes: { docker: { socket: e.socket } } });
    const batches = [getuid(4242), getuid(4242), getuid(4242)];
    let n = 0;
    const source = {
      next: async () => {
        // The second batch comes once the lookup is done: the announcement follows it.
        if (n === 1) await until(() => pipeline.containerLookup!.stats().succeeded === 1);
        return batches[n++] ?? null;
      },
      close: () => undefined,
    };
    const capture = new Capture(source, metadata, undefined, undefined, pipeline);
    const seen: Array<[string, unknown]> = [];
    for await (const evt of capture) seen.push([evt.field('evt.type') as string, evt.field('container.name')]);
    expect(seen).toEqual([['getuid', null], ['getuid', null], ['container', null], ['getuid', 'web']]);
    expect(capture.stats().containerLookups).toMatchObject({ started: 1, succeeded: 1 });
  });
});
