import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type {
  AiConversationSummary,
  AiMessage,
  AiMessageRole,
  AiNoticeKind,
  AiTokenUsage,
  AiToolActivity,
  AiToolCall,
  AiUsageReport,
  AiUsageRow,
} from '@internal/plugin-ai-assistant-common';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';

const migrationsDir = resolvePackagePath(
  '@internal/plugin-ai-assistant-backend',
  'migrations',
);
const MIGRATIONS_TABLE = 'ai_assistant_knex_migrations';

const CONVERSATIONS = 'ai_assistant_conversations';
const MESSAGES = 'ai_assistant_messages';
const CONFIRMATIONS = 'ai_assistant_confirmations';
const RATE_LIMITS = 'ai_assistant_rate_limits';
const USAGE = 'ai_assistant_usage';
const RUN_FINGERPRINTS = 'ai_assistant_run_fingerprints';
const FAILURE_RULES = 'ai_assistant_failure_rules';

type DbDate = Date | string | number;

type ConversationRow = {
  conversation_id: string;
  user_ref: string;
  title: string;
  entity_ref: string | null;
  created_at: DbDate;
  updated_at: DbDate;
  turn_lease_until: DbDate | null;
  summary?: string | null;
  summary_covers_messages?: number | string | null;
  summarised_at?: DbDate | null;
};

type MessageRow = {
  message_id: string;
  conversation_id: string;
  seq: number | string;
  role: AiMessageRole;
  content: string;
  tool_calls: string | null;
  tool_call_id: string | null;
  activity: string | null;
  notice: string | null;
  stopped?: boolean | number | null;
  created_at: DbDate;
};

type ConfirmationRow = {
  confirmation_id: string;
  conversation_id: string;
  user_ref: string;
  tool_call_id: string;
  action_id: string;
  input: string;
  call_hash: string;
  status: ConfirmationStatus;
  created_at: DbDate;
  expires_at: DbDate;
  decided_at: DbDate | null;
};

type RunFingerprintRow = {
  run_id: string;
  pipeline_key: string;
  status: string;
  commit_sha: string | null;
  finished_at: DbDate;
  fingerprint: string | null;
  category: string | null;
  recorded_at: DbDate;
};

type FailureRulesRow = {
  version: number | string;
  yaml: string;
  rule_count: number | string;
  updated_by: string;
  updated_at: DbDate;
};

/** A run the failure analysis saw, and its fingerprint when it read the run's log. */
export type StoredRunFingerprint = {
  runId: string;
  pipelineKey: string;
  status: string;
  commit?: string;
  /** ISO 8601 */
  finishedAt: string;
  fingerprint?: string;
  category?: string;
};

/** One saved version of the administrators' failure rules. */
export type StoredFailureRules = {
  version: number;
  yaml: string;
  ruleCount: number;
  updatedBy: string;
  updatedAt: Date;
};

type UsageAggregateRow = {
  requests: number | string;
  prompt_tokens: number | string | null;
  completion_tokens: number | string | null;
  total_tokens: number | string | null;
};

/** `superseded`: the user wrote again before deciding, so the call was dropped. */
export type ConfirmationStatus =
  | 'pending'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'superseded';

/** A write held for the user's decision, as stored. */
export type StoredConfirmation = {
  confirmationId: string;
  conversationId: string;
  userRef: string;
  toolCallId: string;
  actionId: string;
  /** The exact arguments, as the model gave them (not masked: this is what runs). */
  input: Record<string, unknown>;
  callHash: string;
  status: ConfirmationStatus;
  createdAt: Date;
  expiresAt: Date;
};

/** A message to append; the store gives it its id, position and time. */
export type NewAiMessage = {
  role: AiMessageRole;
  content: string;
  toolCalls?: AiToolCall[];
  /** For `tool` messages: the call answered. */
  toolCallId?: string;
  activity?: AiToolActivity;
  notice?: AiNoticeKind;
  /** An assistant answer the user stopped: `content` is what was written until then. */
  stopped?: boolean;
};

/**
 * The summary the model wrote of a conversation's oldest messages, sent in their place when
 * the conversation no longer fits the context budget.
 */
export type StoredConversationSummary = {
  /** Masked text, as the model wrote it. */
  content: string;
  /** How many stored messages, from the first (notices and tool results included), it covers. */
  coversMessages: number;
  summarisedAt: Date;
};

/** A stored message with what the model protocol needs besides the chat's view. */
export type StoredAiMessage = AiMessage & { toolCallId?: string };

function toDate(value: DbDate): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    return new Date(Number(value));
  }
  return new Date(value);
}

function toNumber(value: number | string | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** `%`, `_` and the escape character itself taken literally in a LIKE pattern. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, c => `\\${c}`)}%`;
}

function usageRow(row: UsageAggregateRow | undefined): AiUsageRow {
  return {
    requests: toNumber(row?.requests),
    promptTokens: toNumber(row?.prompt_tokens),
    completionTokens: toNumber(row?.completion_tokens),
    totalTokens: toNumber(row?.total_tokens),
  };
}

/**
 * The assistant's store: conversations (each visible only to its user), their messages,
 * confirmations (single use: a decision is a conditional update that only one request wins),
 * rate-limit windows and token usage. Every query that reads or changes a conversation names
 * its user, so one user can never reach another's.
 */
export class DatabaseAiAssistantStore {
  static async create(options: {
    database: Pick<DatabaseService, 'getClient'> &
      Partial<Pick<DatabaseService, 'migrations'>>;
    /** The time every timestamp the store writes is taken from; tests inject it. */
    clock?: () => Date;
  }): Promise<DatabaseAiAssistantStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await client.migrate.latest({
        directory: migrationsDir,
        tableName: MIGRATIONS_TABLE,
      });
    }
    return new DatabaseAiAssistantStore(
      client,
      options.clock ?? (() => new Date()),
    );
  }

  private constructor(
    private readonly db: Knex,
    private readonly clock: () => Date,
  ) {}

  // Conversations

  async createConversation(
    userRef: string,
    title: string,
    entityRef?: string,
  ): Promise<AiConversationSummary> {
    const now = this.clock();
    const conversationId = randomUUID();
    await this.db<ConversationRow>(CONVERSATIONS).insert({
      conversation_id: conversationId,
      user_ref: userRef,
      title,
      entity_ref: entityRef ?? null,
      created_at: now,
      updated_at: now,
      turn_lease_until: null,
    });
    return {
      conversationId,
      title,
      ...(entityRef ? { entityRef } : {}),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      messageCount: 0,
    };
  }

  /**
   * The user's conversations, the most recently active first. `query` matches titles and
   * message text, case-insensitively.
   */
  async listConversations(
    userRef: string,
    options: { query?: string; limit: number; offset: number },
  ): Promise<{ items: AiConversationSummary[]; totalCount: number }> {
    const base = this.db<ConversationRow>(CONVERSATIONS).where(
      'user_ref',
      userRef,
    );
    if (options.query) {
      const pattern = likePattern(options.query);
      base.andWhere(q =>
        q
          .whereRaw(`LOWER(title) LIKE ? ESCAPE '\\'`, [pattern])
          .orWhereExists(
            this.db(MESSAGES)
              .select(this.db.raw('1'))
              .whereRaw(
                `${MESSAGES}.conversation_id = ${CONVERSATIONS}.conversation_id`,
              )
              .whereIn('role', ['user', 'assistant'])
              .andWhereRaw(`LOWER(content) LIKE ? ESCAPE '\\'`, [pattern]),
          ),
      );
    }
    const [{ count }] = (await base.clone().count({ count: '*' })) as Array<{
      count: number | string;
    }>;
    const rows: ConversationRow[] = await base
      .clone()
      .orderBy([
        { column: 'updated_at', order: 'desc' },
        { column: 'conversation_id', order: 'asc' },
      ])
      .limit(options.limit)
      .offset(options.offset)
      .select('*');
    const counts = await this.messageCounts(rows.map(r => r.conversation_id));
    return {
      items: rows.map(row => this.toSummary(row, counts)),
      totalCount: toNumber(count),
    };
  }

  /** The conversation when it is the user's; undefined for anyone else's or none. */
  async getConversation(
    userRef: string,
    conversationId: string,
  ): Promise<AiConversationSummary | undefined> {
    const row = await this.db<ConversationRow>(CONVERSATIONS)
      .where({ conversation_id: conversationId, user_ref: userRef })
      .first();
    if (!row) return undefined;
    const counts = await this.messageCounts([conversationId]);
    return this.toSummary(row, counts);
  }

  async renameConversation(
    userRef: string,
    conversationId: string,
    title: string,
  ): Promise<boolean> {
    const updated = await this.db<ConversationRow>(CONVERSATIONS)
      .where({ conversation_id: conversationId, user_ref: userRef })
      .update({ title });
    return updated > 0;
  }

  /** Deletes the conversation with its messages and confirmations; false when not the user's. */
  async deleteConversation(
    userRef: string,
    conversationId: string,
  ): Promise<boolean> {
    return this.db.transaction(async tx => {
      const deleted = await tx<ConversationRow>(CONVERSATIONS)
        .where({ conversation_id: conversationId, user_ref: userRef })
        .delete();
      if (deleted === 0) return false;
      await tx(MESSAGES).where({ conversation_id: conversationId }).delete();
      await tx(CONFIRMATIONS)
        .where({ conversation_id: conversationId })
        .delete();
      return true;
    });
  }

  /**
   * Takes the conversation's turn for `leaseMs`: false while another answer is being written
   * in it (on any replica) and its lease has not run out.
   */
  async acquireTurn(conversationId: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const updated = await this.db<ConversationRow>(CONVERSATIONS)
      .where({ conversation_id: conversationId })
      .andWhere(q =>
        q.whereNull('turn_lease_until').orWhere('turn_lease_until', '<', now),
      )
      .update({ turn_lease_until: new Date(now.getTime() + leaseMs) });
    return updated > 0;
  }

  /** Extends the turn this caller holds (a long answer with several tool calls). */
  async renewTurn(conversationId: string, leaseMs: number): Promise<void> {
    await this.db<ConversationRow>(CONVERSATIONS)
      .where({ conversation_id: conversationId })
      .update({
        turn_lease_until: new Date(this.clock().getTime() + leaseMs),
      });
  }

  async releaseTurn(conversationId: string): Promise<void> {
    await this.db<ConversationRow>(CONVERSATIONS)
      .where({ conversation_id: conversationId })
      .update({ turn_lease_until: null });
  }

  // Messages

  async listMessages(conversationId: string): Promise<StoredAiMessage[]> {
    const rows: MessageRow[] = await this.db<MessageRow>(MESSAGES)
      .where({ conversation_id: conversationId })
      .orderBy('seq', 'asc')
      .select('*');
    return rows.map(row => this.toMessage(row));
  }

  /** Appends at the end of the conversation and marks it active now. */
  async appendMessage(
    conversationId: string,
    message: NewAiMessage,
  ): Promise<StoredAiMessage> {
    const now = this.clock();
    const messageId = randomUUID();
    await this.db.transaction(async tx => {
      const last = (await tx(MESSAGES)
        .where({ conversation_id: conversationId })
        .max({ seq: 'seq' })
        .first()) as { seq: number | string | null } | undefined;
      await tx<MessageRow>(MESSAGES).insert({
        message_id: messageId,
        conversation_id: conversationId,
        seq: toNumber(last?.seq) + 1,
        role: message.role,
        content: message.content,
        tool_calls: message.toolCalls
          ? JSON.stringify(message.toolCalls)
          : null,
        tool_call_id: message.toolCallId ?? null,
        activity: message.activity ? JSON.stringify(message.activity) : null,
        notice: message.notice ?? null,
        stopped: message.stopped ?? false,
        created_at: now,
      });
      await tx<ConversationRow>(CONVERSATIONS)
        .where({ conversation_id: conversationId })
        .update({ updated_at: now });
    });
    return {
      messageId,
      conversationId,
      role: message.role,
      content: message.content,
      createdAt: now.toISOString(),
      ...(message.toolCalls ? { toolCalls: message.toolCalls } : {}),
      ...(message.toolCallId ? { toolCallId: message.toolCallId } : {}),
      ...(message.activity ? { activity: message.activity } : {}),
      ...(message.notice ? { notice: message.notice } : {}),
      ...(message.stopped ? { stopped: true } : {}),
    };
  }

  // Summaries of older turns

  /** The conversation's stored summary of its oldest messages, if the model wrote one. */
  async getConversationSummary(
    conversationId: string,
  ): Promise<StoredConversationSummary | undefined> {
    const row = await this.db<ConversationRow>(CONVERSATIONS)
      .where({ conversation_id: conversationId })
      .first('summary', 'summary_covers_messages', 'summarised_at');
    if (!row?.summary || !row.summary_covers_messages) return undefined;
    return {
      content: row.summary,
      coversMessages: toNumber(row.summary_covers_messages),
      summarisedAt: toDate(row.summarised_at ?? 0),
    };
  }

  /**
   * Keeps a summary that covers more messages than the stored one (a summary never shrinks,
   * so a slower turn cannot replace a newer one); false when the stored one already covers as
   * many.
   */
  async saveConversationSummary(
    conversationId: string,
    summary: { content: string; coversMessages: number },
  ): Promise<boolean> {
    const updated = await this.db<ConversationRow>(CONVERSATIONS)
      .where({ conversation_id: conversationId })
      .andWhere(q =>
        q
          .whereNull('summary_covers_messages')
          .orWhere('summary_covers_messages', '<', summary.coversMessages),
      )
      .update({
        summary: summary.content,
        summary_covers_messages: summary.coversMessages,
        summarised_at: this.clock(),
      });
    return updated > 0;
  }

  // Confirmations

  async createConfirmation(input: {
    conversationId: string;
    userRef: string;
    toolCallId: string;
    actionId: string;
    input: Record<string, unknown>;
    callHash: string;
    ttlMs: number;
  }): Promise<StoredConfirmation> {
    const now = this.clock();
    const stored: StoredConfirmation = {
      confirmationId: randomUUID(),
      conversationId: input.conversationId,
      userRef: input.userRef,
      toolCallId: input.toolCallId,
      actionId: input.actionId,
      input: input.input,
      callHash: input.callHash,
      status: 'pending',
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.ttlMs),
    };
    await this.db<ConfirmationRow>(CONFIRMATIONS).insert({
      confirmation_id: stored.confirmationId,
      conversation_id: stored.conversationId,
      user_ref: stored.userRef,
      tool_call_id: stored.toolCallId,
      action_id: stored.actionId,
      input: JSON.stringify(stored.input),
      call_hash: stored.callHash,
      status: 'pending',
      created_at: now,
      expires_at: stored.expiresAt,
      decided_at: null,
    });
    return stored;
  }

  async getConfirmation(
    confirmationId: string,
  ): Promise<StoredConfirmation | undefined> {
    const row = await this.db<ConfirmationRow>(CONFIRMATIONS)
      .where({ confirmation_id: confirmationId })
      .first();
    return row ? this.toConfirmation(row) : undefined;
  }

  /** The conversation's confirmations still waiting, expired ones included. */
  async listPendingConfirmations(
    conversationId: string,
  ): Promise<StoredConfirmation[]> {
    const rows: ConfirmationRow[] = await this.db<ConfirmationRow>(
      CONFIRMATIONS,
    )
      .where({ conversation_id: conversationId, status: 'pending' })
      .orderBy('created_at', 'asc')
      .select('*');
    return rows.map(row => this.toConfirmation(row));
  }

  /**
   * Decides a pending confirmation, once: true for the one request that moved it out of
   * `pending`; false when it was decided, expired or superseded before. `approved` and
   * `rejected` also need it unexpired.
   */
  async decideConfirmation(
    confirmationId: string,
    status: Exclude<ConfirmationStatus, 'pending'>,
  ): Promise<boolean> {
    const now = this.clock();
    const query = this.db<ConfirmationRow>(CONFIRMATIONS).where({
      confirmation_id: confirmationId,
      status: 'pending',
    });
    if (status === 'approved' || status === 'rejected') {
      query.andWhere('expires_at', '>', now);
    }
    const updated = await query.update({ status, decided_at: now });
    return updated > 0;
  }

  // Rate limit

  /**
   * Counts one request of the user in the fixed window `now` falls in and returns the
   * window's count with it and when the window ends. Atomic per row on SQLite and PostgreSQL,
   * so concurrent replicas count every request.
   */
  async countRequest(
    userRef: string,
    windowMs: number,
  ): Promise<{ count: number; windowEndsAt: Date }> {
    const now = this.clock().getTime();
    const windowStart = now - (now % windowMs);
    // One statement that counts and returns the count, so concurrent requests each see their own
    const [row] = (await this.db(RATE_LIMITS)
      .insert({ user_ref: userRef, window_start: windowStart, count: 1 })
      .onConflict(['user_ref', 'window_start'])
      .merge({ count: this.db.raw(`${RATE_LIMITS}.count + 1`) })
      .returning('count')) as Array<{ count: number | string }>;
    // The user's earlier windows are of no use any more
    await this.db(RATE_LIMITS)
      .where({ user_ref: userRef })
      .andWhere('window_start', '<', windowStart)
      .delete();
    return {
      count: toNumber(row.count),
      windowEndsAt: new Date(windowStart + windowMs),
    };
  }

  // Usage

  /** One model call; `usage` undefined when the provider reported none (counted as a request). */
  async recordUsage(entry: {
    userRef: string;
    conversationId?: string;
    model: string;
    usage?: AiTokenUsage;
  }): Promise<void> {
    await this.db(USAGE).insert({
      user_ref: entry.userRef,
      conversation_id: entry.conversationId ?? null,
      model: entry.model,
      prompt_tokens: entry.usage?.promptTokens ?? 0,
      completion_tokens: entry.usage?.completionTokens ?? 0,
      total_tokens: entry.usage?.totalTokens ?? 0,
      reported: entry.usage !== undefined,
      created_at: this.clock(),
    });
  }

  async usageReport(since: Date): Promise<AiUsageReport> {
    const sums = {
      requests: this.db.raw('COUNT(*)'),
      prompt_tokens: this.db.raw('SUM(prompt_tokens)'),
      completion_tokens: this.db.raw('SUM(completion_tokens)'),
      total_tokens: this.db.raw('SUM(total_tokens)'),
    };
    const inPeriod = () =>
      this.db(USAGE).where('created_at', '>=', since) as Knex.QueryBuilder;
    const [totals] = (await inPeriod().select(sums)) as UsageAggregateRow[];
    const byUser = (await inPeriod()
      .select({ user_ref: 'user_ref', ...sums })
      .groupBy('user_ref')
      .orderBy('user_ref')) as Array<UsageAggregateRow & { user_ref: string }>;
    const byModel = (await inPeriod()
      .select({ model: 'model', ...sums })
      .groupBy('model')
      .orderBy('model')) as Array<UsageAggregateRow & { model: string }>;
    // Days in JavaScript: SQLite and PostgreSQL store and truncate dates differently
    const dayRows = (await inPeriod().select(
      'created_at',
      'prompt_tokens',
      'completion_tokens',
      'total_tokens',
    )) as Array<{
      created_at: DbDate;
      prompt_tokens: number | string;
      completion_tokens: number | string;
      total_tokens: number | string;
    }>;
    const days = new Map<string, AiUsageRow>();
    for (const row of dayRows) {
      const day = toDate(row.created_at).toISOString().slice(0, 10);
      const entry = days.get(day) ?? {
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
        totalTokens: 0,
      };
      entry.requests += 1;
      entry.promptTokens += toNumber(row.prompt_tokens);
      entry.completionTokens += toNumber(row.completion_tokens);
      entry.totalTokens += toNumber(row.total_tokens);
      days.set(day, entry);
    }
    return {
      since: since.toISOString(),
      totals: usageRow(totals),
      byUser: byUser.map(row => ({
        userRef: row.user_ref,
        ...usageRow(row),
      })),
      byModel: byModel.map(row => ({ model: row.model, ...usageRow(row) })),
      byDay: [...days.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([day, row]) => ({ day, ...row })),
    };
  }

  // Failure analysis

  /**
   * Records runs the failure analysis saw. A run already recorded keeps a fingerprint it has
   * when the new record has none (a green run listed again, a failed run not read this time).
   */
  async recordRunFingerprints(runs: StoredRunFingerprint[]): Promise<void> {
    if (runs.length === 0) return;
    const now = this.clock();
    const unique = new Map<string, StoredRunFingerprint>();
    for (const run of runs) {
      const known = unique.get(run.runId);
      unique.set(run.runId, {
        ...run,
        fingerprint: run.fingerprint ?? known?.fingerprint,
        category: run.category ?? known?.category,
      });
    }
    const rows: RunFingerprintRow[] = [...unique.values()].map(run => ({
      run_id: run.runId,
      pipeline_key: run.pipelineKey,
      status: run.status,
      commit_sha: run.commit ?? null,
      finished_at: new Date(run.finishedAt),
      fingerprint: run.fingerprint ?? null,
      category: run.category ?? null,
      recorded_at: now,
    }));
    // Batches keep each statement well below SQLite's and PostgreSQL's parameter limits
    for (let start = 0; start < rows.length; start += 100) {
      await this.db<RunFingerprintRow>(RUN_FINGERPRINTS)
        .insert(rows.slice(start, start + 100))
        .onConflict('run_id')
        .merge({
          pipeline_key: this.db.raw('excluded.pipeline_key'),
          status: this.db.raw('excluded.status'),
          commit_sha: this.db.raw(
            `COALESCE(excluded.commit_sha, ${RUN_FINGERPRINTS}.commit_sha)`,
          ),
          finished_at: this.db.raw('excluded.finished_at'),
          fingerprint: this.db.raw(
            `COALESCE(excluded.fingerprint, ${RUN_FINGERPRINTS}.fingerprint)`,
          ),
          category: this.db.raw(
            `COALESCE(excluded.category, ${RUN_FINGERPRINTS}.category)`,
          ),
          recorded_at: this.db.raw('excluded.recorded_at'),
        } as any);
    }
  }

  /** The pipeline's recorded runs that finished before `before`, newest first. */
  async listRunFingerprints(
    pipelineKey: string,
    options: { before?: Date; limit: number },
  ): Promise<StoredRunFingerprint[]> {
    const query = this.db<RunFingerprintRow>(RUN_FINGERPRINTS).where({
      pipeline_key: pipelineKey,
    });
    if (options.before) query.andWhere('finished_at', '<', options.before);
    const rows: RunFingerprintRow[] = await query
      .orderBy([
        { column: 'finished_at', order: 'desc' },
        { column: 'run_id', order: 'asc' },
      ])
      .limit(options.limit)
      .select('*');
    return rows.map(row => this.toRunFingerprint(row));
  }

  /** The recorded runs among `runIds`, by run id. */
  async getRunFingerprints(
    runIds: string[],
  ): Promise<Map<string, StoredRunFingerprint>> {
    const found = new Map<string, StoredRunFingerprint>();
    for (let start = 0; start < runIds.length; start += 500) {
      const rows: RunFingerprintRow[] = await this.db<RunFingerprintRow>(
        RUN_FINGERPRINTS,
      )
        .whereIn('run_id', runIds.slice(start, start + 500))
        .select('*');
      for (const row of rows) found.set(row.run_id, this.toRunFingerprint(row));
    }
    return found;
  }

  /** The latest saved version of the administrators' rules; undefined before the first save. */
  async latestFailureRules(): Promise<StoredFailureRules | undefined> {
    const row = (await this.db<FailureRulesRow>(FAILURE_RULES)
      .orderBy('version', 'desc')
      .first()) as FailureRulesRow | undefined;
    return row ? this.toFailureRules(row) : undefined;
  }

  /** The latest version number, 0 before the first save: a cheap check whether rules changed. */
  async latestFailureRulesVersion(): Promise<number> {
    const row = (await this.db(FAILURE_RULES)
      .max({ version: 'version' })
      .first()) as { version: number | string | null } | undefined;
    return toNumber(row?.version);
  }

  /**
   * Saves a new version of the administrators' rules. With `baseVersion`, only when that is
   * still the latest: undefined when another save came first (the version's primary key makes
   * two concurrent saves of one version fail too).
   */
  async saveFailureRules(input: {
    yaml: string;
    ruleCount: number;
    updatedBy: string;
    baseVersion?: number;
  }): Promise<StoredFailureRules | undefined> {
    const now = this.clock();
    try {
      return await this.db.transaction(async tx => {
        const latest = (await tx(FAILURE_RULES)
          .max({ version: 'version' })
          .first()) as { version: number | string | null } | undefined;
        const current = toNumber(latest?.version);
        if (input.baseVersion !== undefined && input.baseVersion !== current) {
          return undefined;
        }
        const row: FailureRulesRow = {
          version: current + 1,
          yaml: input.yaml,
          rule_count: input.ruleCount,
          updated_by: input.updatedBy,
          updated_at: now,
        };
        await tx<FailureRulesRow>(FAILURE_RULES).insert(row);
        return this.toFailureRules(row);
      });
    } catch (error) {
      if (/unique|duplicate|primary key/i.test(String(error))) {
        return undefined;
      }
      throw error;
    }
  }

  // Mapping

  private toRunFingerprint(row: RunFingerprintRow): StoredRunFingerprint {
    return {
      runId: row.run_id,
      pipelineKey: row.pipeline_key,
      status: row.status,
      ...(row.commit_sha ? { commit: row.commit_sha } : {}),
      finishedAt: toDate(row.finished_at).toISOString(),
      ...(row.fingerprint ? { fingerprint: row.fingerprint } : {}),
      ...(row.category ? { category: row.category } : {}),
    };
  }

  private toFailureRules(row: FailureRulesRow): StoredFailureRules {
    return {
      version: toNumber(row.version),
      yaml: row.yaml,
      ruleCount: toNumber(row.rule_count),
      updatedBy: row.updated_by,
      updatedAt: toDate(row.updated_at),
    };
  }

  private async messageCounts(
    conversationIds: string[],
  ): Promise<Map<string, number>> {
    if (conversationIds.length === 0) return new Map();
    const rows = (await this.db(MESSAGES)
      .whereIn('conversation_id', conversationIds)
      .whereIn('role', ['user', 'assistant'])
      .groupBy('conversation_id')
      .select('conversation_id')
      .count({ count: '*' })) as Array<{
      conversation_id: string;
      count: number | string;
    }>;
    return new Map(rows.map(r => [r.conversation_id, toNumber(r.count)]));
  }

  private toSummary(
    row: ConversationRow,
    counts: Map<string, number>,
  ): AiConversationSummary {
    return {
      conversationId: row.conversation_id,
      title: row.title,
      ...(row.entity_ref ? { entityRef: row.entity_ref } : {}),
      createdAt: toDate(row.created_at).toISOString(),
      updatedAt: toDate(row.updated_at).toISOString(),
      messageCount: counts.get(row.conversation_id) ?? 0,
    };
  }

  private toMessage(row: MessageRow): StoredAiMessage {
    return {
      messageId: row.message_id,
      conversationId: row.conversation_id,
      role: row.role,
      content: row.content,
      createdAt: toDate(row.created_at).toISOString(),
      ...(row.tool_calls ? { toolCalls: JSON.parse(row.tool_calls) } : {}),
      ...(row.tool_call_id ? { toolCallId: row.tool_call_id } : {}),
      ...(row.activity ? { activity: JSON.parse(row.activity) } : {}),
      ...(row.notice ? { notice: row.notice as AiNoticeKind } : {}),
      ...(row.stopped ? { stopped: true } : {}),
    };
  }

  private toConfirmation(row: ConfirmationRow): StoredConfirmation {
    return {
      confirmationId: row.confirmation_id,
      conversationId: row.conversation_id,
      userRef: row.user_ref,
      toolCallId: row.tool_call_id,
      actionId: row.action_id,
      input: JSON.parse(row.input),
      callHash: row.call_hash,
      status: row.status,
      createdAt: toDate(row.created_at),
      expiresAt: toDate(row.expires_at),
    };
  }
}
