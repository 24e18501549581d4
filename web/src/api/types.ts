// The shapes of the public HTTP API the dashboard reads (see /openapi.json).

export type BatchStatus = 'queued' | 'processing' | 'paused' | 'completed' | 'cancelled' | 'failed';
export type CallState = 'waiting' | 'active' | 'completed' | 'failed' | 'cancelled';
export type Outcome =
  | 'successful'
  | 'unsuccessful'
  | 'voicemail'
  | 'callback_requested'
  | 'opted_out'
  | 'unknown';

export interface Pagination {
  page: number;
  limit: number;
  total: number;
  totalPages: number;
  hasNext: boolean;
  hasPrev: boolean;
}

export interface BatchListItem {
  id: string;
  name?: string;
  status: BatchStatus;
  isComplete: boolean;
  totalCalls: number;
  createdAt: number;
  scheduledAt?: number;
  agentId: string;
}

export interface RecentCall {
  jobId: string;
  status: CallState;
  phone_number: string;
  completedAt?: number;
  failedAt?: number;
  cancelledAt?: number;
  duration?: number;
  error?: string;
}

export interface Progress {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  cancelled?: number;
  total: number;
  startTime?: number;
  lastCompletedTime?: number;
  completedTime: number | null;
  averageCallDuration: number;
  recent_calls: RecentCall[];
}

export interface BatchStatusBody {
  id: string;
  status: BatchStatus;
  isComplete: boolean;
  totalCalls: number;
  progress: Progress;
  timestamp: number;
  name?: string;
  agentId?: string;
  createdAt?: number;
  scheduledAt?: number;
  pausedAt?: number;
  pausedReason?: string;
}

export interface CallItem {
  jobId: string;
  status: CallState;
  phone_number: string;
  startTime?: number;
  endTime?: number;
  duration?: number;
  error?: string;
  metadata: Record<string, string>;
  attempts: number;
}

export interface CallsPage {
  calls: CallItem[];
  pagination: Pagination;
  summary: Record<'total' | CallState, number>;
}

export interface AttemptItem {
  attemptId: string;
  attempt: number;
  startTime: number;
  answerTime?: number;
  endTime?: number;
  duration?: number;
  talkTime?: number;
  reason?: string;
  outcome?: Outcome;
  error?: string;
}

export interface CallDetail {
  jobId: string;
  status: CallState;
  phone_number: string;
  startTime?: number;
  endTime?: number;
  duration?: number;
  error?: string;
  result?: {
    callId: string;
    transcript: string;
    outcome: Outcome;
    metadata: Record<string, string>;
  };
  attempts: number;
  nextAttemptAt?: number;
  /** ext §19: the consent the contact's row recorded. */
  consent?: { source: string; at?: string };
  attemptHistory?: AttemptItem[];
}

export interface RowIssue {
  row: number;
  column?: string;
  value?: string;
  message: string;
}

export interface PreviewReport {
  valid: boolean;
  totalRows: number;
  validRows: number;
  invalidRows: number;
  duplicateRows: number;
  columns: string[];
  mapping?: Record<string, string>;
  errors: RowIssue[];
  warnings: RowIssue[];
  errorCount: number;
  warningCount: number;
  rows: Array<{ row: number; phone_number: string; variables: Record<string, string> }>;
}

export interface StartAnswer {
  batchId: string;
  totalCalls: number;
  status: BatchStatus;
  message: string;
  scheduledAt?: number;
  skippedRows?: RowIssue[];
}

export interface CancelAnswer {
  batchId: string;
  status: 'cancelled';
  message: string;
  details: {
    completedCalls: number;
    failedCalls: number;
    cancelledCalls: number;
    activeCalls: number;
    totalCalls: number;
  };
}

export interface CallbackGap {
  days: number;
  hours: number;
}

export interface Agent {
  id: string;
  name: string;
  greeting: string;
  prompt: string;
  fromNumber?: string;
  provider: string;
  smartCallback: boolean;
  maxAttemptsForSmartCallback: number;
  gapBetweenEachAttemptForSmartCallback: CallbackGap[];
  variables?: string[];
  createdAt: number;
  updatedAt: number;
}

export interface Workspace {
  id: string;
  name: string;
  maxConcurrentCalls: number;
  callsPerSecond: number;
  timezone: string;
  frequencyCap?: { maxAttempts: number; periodHours: number } | null;
  /** Stop everything (ext §19) holds every batch; since pausedAt. */
  paused?: boolean;
  pausedAt?: number;
}

export interface ActivityBucket {
  start: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface BatchActivity {
  batchId: string;
  outcomes: Record<string, number>;
  failures: Record<string, number>;
  cancelled: number;
  from?: number;
  bucketMs?: number;
  buckets: ActivityBucket[];
}

/** Ext §17: pause, resume and retry answers. */
export interface ControlAnswer {
  batchId: string;
  status: BatchStatus;
  message: string;
}

export interface RetryAnswer {
  batchId: string;
  retriedCalls: number;
  status: BatchStatus;
}

/** Ext §18: one number on the workspace's do-not-call list. */
export interface DncEntry {
  phone_number: string;
  reason?: string;
  source: 'api' | 'import' | 'opt_out';
  createdAt: number;
  batchId?: string;
  jobId?: string;
}

export interface DncPage {
  entries: DncEntry[];
  pagination: Pagination;
}

export interface DncAdded {
  added: number;
  alreadyListed: number;
}

/** Ext §20: an endpoint as listed (never its secret). */
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  description?: string;
  enabled: boolean;
  disabledReason?: string;
  createdAt: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
  nextAttemptAt?: number;
  createdAt: number;
  deliveredAt?: number;
}

export interface DeliveriesPage {
  deliveries: Delivery[];
  pagination: Pagination;
}

export interface WebhookTestAnswer {
  deliveryId: string;
  statusCode?: number;
  error?: string;
}
