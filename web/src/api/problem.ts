// Errors as the server sends them: `application/problem+json` with a stable
// `code` (API.md "Errors"). Views show `detail` and put `errors[]` next to
// the form fields they name.

export interface FieldProblem {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: FieldProblem[];
  /** Extra members, e.g. `rows` of a failed CSV import. */
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  /** Seconds, from `Retry-After` on 429/503. */
  readonly retryAfter: number | null;

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code ?? 'unknown';
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** What to show a person: the server's detail, else its title. */
  get detail(): string {
    return this.message;
  }

  /** `errors[]` as field → message (the first message per field wins). */
  get fieldErrors(): Record<string, string> {
    return fieldErrors(this.problem);
  }
}

/** The request never got an answer: offline, DNS, connection refused. */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super('The server cannot be reached.');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

export function fieldErrors(p: Problem): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of p.errors ?? []) {
    if (e && typeof e.field === 'string' && !(e.field in out)) out[e.field] = e.message;
  }
  return out;
}

/** Reads an error response into an ApiError, whatever its body is. */
export async function problemFrom(res: Response): Promise<ApiError> {
  let problem: Problem = { status: res.status, title: res.statusText };
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body = (await res.json()) as Partial<Problem>;
      problem = { ...body, status: typeof body.status === 'number' ? body.status : res.status };
    } catch {
      // A body that is not JSON after all: keep the status line.
    }
  }
  const ra = res.headers.get('retry-after');
  const retryAfter = ra !== null && /^\d+$/.test(ra) ? Number(ra) : null;
  return new ApiError(problem, retryAfter);
}
