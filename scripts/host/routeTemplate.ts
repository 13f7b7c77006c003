/**
 * Route templates as the Functions host reads them (`jobs/{jobId}/tasks/{taskId}`), reduced to what
 * the app's routes use: literal segments (matched case-insensitively, as ASP.NET Core routing does)
 * and `{name}` parameters that take one whole segment. Constraints (`{id:int}`), optional (`{id?}`)
 * and catch-all (`{*rest}`) parameters are refused when the template is read, so that a route the
 * local host cannot serve faithfully fails at start instead of answering differently from Azure.
 */
export interface RouteTemplate {
  template: string;
  segments: readonly Segment[];
}

type Segment = { literal: string } | { param: string };

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export function parseRouteTemplate(template: string): RouteTemplate {
  const segments = splitPath(template).map((segment): Segment => {
    const param = PARAM.exec(segment);
    if (param?.[1] !== undefined) return { param: param[1] };
    if (/[{}]/.test(segment)) throw new Error(`route "${template}": the local host serves only plain {name} parameters, not "${segment}"`);
    return { literal: segment.toLowerCase() };
  });
  return { template, segments };
}

/** The parameters the path fills in, decoded, or null when the path is not this route's. */
export function matchRoute(route: RouteTemplate, pathSegments: readonly string[]): Record<string, string> | null {
  if (pathSegments.length !== route.segments.length) return null;
  const params: Record<string, string> = {};
  for (const [index, segment] of route.segments.entries()) {
    const given = pathSegments[index] ?? '';
    if ('literal' in segment) {
      if (given.toLowerCase() !== segment.literal) return null;
    } else {
      if (given === '') return null;
      params[segment.param] = given;
    }
  }
  return params;
}

/**
 * Among the routes that match, the most specific wins, as in ASP.NET Core: at the first segment
 * where two differ, a literal beats a parameter. (`jobs/{jobId}/tasks/summary` before
 * `jobs/{jobId}/tasks/{taskId}`.)
 */
export function specificity(route: RouteTemplate): string {
  return route.segments.map((segment) => ('literal' in segment ? '0' : '1')).join('');
}

/** `/a/b%2Fc/` → `['a', 'b/c']`: one trailing slash is ignored, each segment is decoded. */
export function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+/, '').replace(/\/$/, '');
  if (trimmed === '') return [];
  return trimmed.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
}
