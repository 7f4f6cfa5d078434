import type {
  AuditorService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { audited } from '@internal/backend-common';
import {
  aiAssistantChatUsePermission,
  aiAssistantNotConfiguredMessage,
  type AiFailureExplanation,
  type AiLogLine,
  type AiModelExplanation,
  type AiSimilarRuns,
} from '@internal/plugin-ai-assistant-common';
import type { Request } from 'express';
import { explainOffline } from '../analysis/explainOffline';
import type { FailureKnowledgeBase } from '../analysis/FailureKnowledgeBase';
import { LogBaseline } from '../analysis/LogBaseline';
import { LogText } from '../analysis/LogText';
import type {
  FingerprintedRun,
  LogLine,
  OfflineExplanation,
} from '../analysis/types';
import type { OpenAiChatClient } from '../provider/OpenAiChatClient';
import type { AiAssistantMetrics } from '../service/AiAssistantMetrics';
import type { AiAssistantSettings } from '../service/AiAssistantSettings';
import type {
  DatabaseAiAssistantStore,
  StoredRunFingerprint,
} from '../store/DatabaseAiAssistantStore';
import type { SecretMasker } from '../tools/SecretMasker';
import { ActionReader, MAX_ACTION_CALLS } from './ActionReader';
import { FailureModelAnalyst } from './FailureModelAnalyst';
import type { FailureRulesService } from './FailureRulesService';
import { parseExplainTarget, type ExplainTarget } from './runTargets';
import { CometRunSource } from './sources/CometRunSource';
import type {
  EarlierRun,
  FailedRun,
  FailureSource,
} from './sources/FailureSource';
import { GitHubRunSource } from './sources/GitHubRunSource';
import { JenkinsBuildSource } from './sources/JenkinsBuildSource';
import { TestRunSource } from './sources/TestRunSource';

/** What one explanation reads at most. */
export type ExplainLimits = {
  /** Lines of the failed run's log analysed (its end). */
  maxLogLines: number;
  /** Lines of each earlier run's log read. */
  maxEarlierLogLines: number;
  /** Earlier runs of the pipeline listed for "seen in N runs". */
  historyRuns: number;
  /** The last green runs whose logs are the baseline for new lines. */
  greenRuns: number;
  /** Earlier failed runs without a recorded fingerprint whose logs are read to get one. */
  backfillRuns: number;
  /** Action calls in all. */
  maxActionCalls: number;
};

export const DEFAULT_EXPLAIN_LIMITS: ExplainLimits = {
  maxLogLines: 200_000,
  maxEarlierLogLines: 50_000,
  historyRuns: 50,
  greenRuns: 2,
  backfillRuns: 3,
  maxActionCalls: MAX_ACTION_CALLS,
};

/** Recorded runs of the pipeline taken into the history besides the listed ones. */
const STORED_HISTORY_RUNS = 200;
const MAX_LINES_SHOWN = 5;

type Principal = { type?: string; userEntityRef?: string };

/** Of two records of one run, the one that knows more (a fingerprint, a commit). */
function mergeRun(
  stored: StoredRunFingerprint | undefined,
  listed: EarlierRun | undefined,
): (EarlierRun & { fingerprint?: string; category?: string }) | undefined {
  if (!stored && !listed) return undefined;
  return {
    runId: (listed ?? stored)!.runId,
    status: listed?.status ?? stored!.status,
    finishedAt: listed?.finishedAt ?? stored!.finishedAt,
    ...(listed?.commit ?? stored?.commit
      ? { commit: listed?.commit ?? stored?.commit }
      : {}),
    ...(listed?.commitUrl ? { commitUrl: listed.commitUrl } : {}),
    ...(listed?.url ? { url: listed.url } : {}),
    ...(stored?.fingerprint ? { fingerprint: stored.fingerprint } : {}),
    ...(stored?.category ? { category: stored.category } : {}),
  };
}

/**
 * "Explain this failure" (`POST /explain`, the action `ai-assistant:explain-run`): reads the
 * failed run through its system's actions with the caller's credentials, analyses its log
 * offline (the failure rules, the first error block and its fingerprint, the lines the last
 * green runs did not print, earlier runs with the same fingerprint, recorded in the plugin's
 * database and filled lazily from the run history), and, with a model configured and allowed,
 * asks the model for root cause, fix and confidence. The offline result is always there; what
 * could not be read is said, never guessed.
 */
export class FailureExplainer {
  static create(options: {
    actions: ActionsService;
    store: DatabaseAiAssistantStore;
    rules: FailureRulesService;
    masker: SecretMasker;
    settings: AiAssistantSettings;
    permissions: PermissionsService;
    auditor: AuditorService;
    logger: LoggerService;
    client?: OpenAiChatClient;
    metrics?: AiAssistantMetrics;
    /** `app.baseUrl`: links to run pages are made from it. */
    appBaseUrl: string;
    limits?: Partial<ExplainLimits>;
    clock?: () => Date;
  }): FailureExplainer {
    return new FailureExplainer(options);
  }

  private readonly limits: ExplainLimits;
  private readonly analyst?: FailureModelAnalyst;
  private readonly clock: () => Date;

  private constructor(
    private readonly options: Parameters<typeof FailureExplainer.create>[0],
  ) {
    this.limits = { ...DEFAULT_EXPLAIN_LIMITS, ...options.limits };
    this.analyst = options.client
      ? FailureModelAnalyst.create({
          client: options.client,
          masker: options.masker,
        })
      : undefined;
    this.clock = options.clock ?? (() => new Date());
  }

  async explain(
    credentials: BackstageCredentials,
    input: { runId?: string; entityRef?: string; testRunId?: string },
    request?: Request,
  ): Promise<AiFailureExplanation> {
    const target = parseExplainTarget(input);
    return audited(
      this.options.auditor,
      {
        eventId: 'explain-run',
        severityLevel: 'low',
        request,
        meta: { runId: target.runId, kind: target.kind },
      },
      () => this.explainTarget(credentials, target),
      result => ({
        category: result.category,
        fingerprint: result.fingerprint ?? null,
        model: result.model.status,
        unread: result.unread.length,
      }),
    );
  }

  private sourceFor(
    target: ExplainTarget,
    reader: ActionReader,
  ): FailureSource {
    const { appBaseUrl } = this.options;
    const limits = this.limits;
    switch (target.kind) {
      case 'comet':
        return new CometRunSource(reader, target.runId, { appBaseUrl, limits });
      case 'jenkins':
        return new JenkinsBuildSource(reader, target, { limits });
      case 'github':
        return new GitHubRunSource(reader, target, { limits });
      default:
        return new TestRunSource(reader, target.runId, { appBaseUrl, limits });
    }
  }

  private async explainTarget(
    credentials: BackstageCredentials,
    target: ExplainTarget,
  ): Promise<AiFailureExplanation> {
    const started = performance.now();
    const { store, masker, logger } = this.options;
    const reader = ActionReader.create({
      actions: this.options.actions,
      credentials,
      maxCalls: this.limits.maxActionCalls,
    });
    const source = this.sourceFor(target, reader);
    const failed = await source.readFailedRun();
    const { knowledgeBase, customIds } =
      await this.options.rules.knowledgeBase();
    const mask = (text: string) => masker.mask(text);
    const warnings = [...failed.warnings, ...(failed.log?.warnings ?? [])];

    // The pipeline's earlier runs: listed now, and recorded by earlier explanations
    const before = new Date(failed.startedAt ?? failed.finishedAt);
    const listed = await source.earlierRuns(failed, this.limits.historyRuns);
    const recorded = await store.listRunFingerprints(failed.pipelineKey, {
      before,
      limit: STORED_HISTORY_RUNS,
    });
    const known = await store.getRunFingerprints(listed.map(r => r.runId));
    const history = new Map<
      string,
      EarlierRun & { fingerprint?: string; category?: string }
    >();
    for (const run of recorded)
      history.set(run.runId, mergeRun(run, undefined)!);
    for (const run of listed) {
      history.set(run.runId, mergeRun(known.get(run.runId), run)!);
    }
    history.delete(failed.run.runId);
    const newestFirst = [...history.values()]
      .filter(run => !Number.isNaN(Date.parse(run.finishedAt)))
      .sort((a, b) => Date.parse(b.finishedAt) - Date.parse(a.finishedAt));

    let logText: LogText | undefined;
    let explanation: OfflineExplanation;
    let baseline: LogBaseline | undefined;
    const backfilled: StoredRunFingerprint[] = [];
    if (failed.log) {
      logText = LogText.from(failed.log.text);
      // The last green runs' logs: what this run printed that they did not
      const greenLogs: string[] = [];
      for (const run of newestFirst.filter(r => r.status === 'succeeded')) {
        if (greenLogs.length >= this.limits.greenRuns) break;
        const log = await source.readEarlierLog(run);
        if (log !== undefined) greenLogs.push(log);
      }
      if (greenLogs.length > 0) {
        baseline = LogBaseline.fromLogs(greenLogs);
        if (baseline.truncated) {
          warnings.push(
            'The green runs printed more distinct lines than the baseline keeps; some of their lines were not compared.',
          );
        }
      }
      // Earlier failures nobody analysed yet: read a few, newest first
      const unanalysed = newestFirst
        .filter(run => run.status !== 'succeeded' && !run.fingerprint)
        .slice(0, this.limits.backfillRuns);
      for (const run of unanalysed) {
        const log = await source.readEarlierLog(run);
        if (log === undefined) continue;
        const earlier = this.fingerprintOf(log, knowledgeBase, baseline, mask);
        if (!earlier) continue;
        run.fingerprint = earlier.fingerprint;
        run.category = earlier.category;
      }
      const fingerprinted: FingerprintedRun[] = newestFirst.map(run => ({
        runId: run.runId,
        status: run.status,
        finishedAt: run.finishedAt,
        ...(run.commit ? { commit: run.commit } : {}),
        ...(run.fingerprint ? { fingerprint: run.fingerprint } : {}),
      }));
      explanation = explainOffline(logText, {
        knowledgeBase,
        baseline,
        history: fingerprinted,
        exitCode: failed.exitCode,
        mask,
      });
      if (
        logText.lineCount === 0 ||
        explanation.fingerprint.basis === 'empty'
      ) {
        // An empty log has nothing to compare: every empty log would look alike
        delete explanation.similarRuns;
      }
    } else {
      explanation = this.withoutLog(failed);
    }
    warnings.push(...explanation.warnings);

    // Record what was learnt: this run's fingerprint, and every run seen in the history
    const fingerprint =
      explanation.fingerprint.basis === 'empty' || !failed.log
        ? undefined
        : explanation.fingerprint.hash;
    for (const run of newestFirst) {
      backfilled.push({
        runId: run.runId,
        pipelineKey: failed.pipelineKey,
        status: run.status,
        finishedAt: run.finishedAt,
        ...(run.commit ? { commit: run.commit } : {}),
        ...(run.fingerprint ? { fingerprint: run.fingerprint } : {}),
        ...(run.category ? { category: run.category } : {}),
      });
    }
    backfilled.push({
      runId: failed.run.runId,
      pipelineKey: failed.pipelineKey,
      status: failed.run.kind === 'comet' ? failed.run.status : 'failed',
      finishedAt: failed.finishedAt,
      ...(failed.run.commit?.sha ? { commit: failed.run.commit.sha } : {}),
      ...(fingerprint ? { fingerprint } : {}),
      ...(fingerprint ? { category: explanation.category } : {}),
    });
    try {
      await store.recordRunFingerprints(backfilled);
    } catch (error) {
      logger.warn(
        `AI assistant: could not record the fingerprints of ${
          failed.pipelineKey
        }: ${(error as Error).message}`,
      );
    }

    const lineUrl = failed.log?.lineUrl;
    const withUrl = (line: LogLine): AiLogLine => {
      const url = lineUrl?.(line.line);
      return { line: line.line, text: line.text, ...(url ? { url } : {}) };
    };
    const model = await this.modelPart(credentials, {
      failed,
      source,
      explanation,
      logText,
      lineUrl,
      history,
    });
    const result: AiFailureExplanation = {
      run: failed.run,
      category: explanation.category,
      summary: explanation.summary,
      firstErrorLines: explanation.firstErrorLines.map(withUrl),
      ...(explanation.suggestedFix
        ? { suggestedFix: explanation.suggestedFix }
        : {}),
      matchedRules: explanation.matchedRules.map(rule => ({
        ruleId: rule.id,
        name: rule.name,
        category: rule.category,
        description: rule.description,
        ...(rule.fix ? { fix: rule.fix } : {}),
        lines: rule.matches
          .slice(0, MAX_LINES_SHOWN)
          .map(match =>
            withUrl({ line: match.line, text: match.text.join('\n') }),
          ),
        matchCount: rule.matchCount,
        ...(rule.alsoInGreenRuns !== undefined
          ? { alsoInGreenRuns: rule.alsoInGreenRuns }
          : {}),
        source: customIds.has(rule.id) ? 'custom' : 'shipped',
      })),
      ...(fingerprint ? { fingerprint } : {}),
      ...(explanation.similarRuns
        ? {
            similarRuns: this.similarRunsView(
              explanation.similarRuns,
              history,
              newestFirst.length,
            ),
          }
        : {}),
      ...(explanation.newLines && baseline
        ? {
            newLines: {
              lines: explanation.newLines.lines.map(withUrl),
              total: explanation.newLines.total,
              truncated: explanation.newLines.truncated,
              greenRuns: baseline.runCount,
            },
          }
        : {}),
      ...(explanation.exitCode !== undefined
        ? { exitCode: explanation.exitCode }
        : {}),
      log: {
        source: failed.log?.source ?? 'no log',
        lines: failed.log ? explanation.log.lines : 0,
        characters: failed.log ? explanation.log.characters : 0,
      },
      unread: reader.unread,
      warnings,
      model,
      analysedAt: this.clock().toISOString(),
      durationMs: 0,
    };
    const masked = masker.maskJson(result as any) as AiFailureExplanation;
    masked.durationMs = Math.round(performance.now() - started);
    return masked;
  }

  /** The fingerprint and category of an earlier failed run's log, analysed the same way. */
  private fingerprintOf(
    log: string,
    knowledgeBase: FailureKnowledgeBase,
    baseline: LogBaseline | undefined,
    mask: (text: string) => string,
  ): { fingerprint: string; category: string } | undefined {
    const analysed = explainOffline(log, { knowledgeBase, baseline, mask });
    if (analysed.fingerprint.basis === 'empty') return undefined;
    return {
      fingerprint: analysed.fingerprint.hash,
      category: analysed.category,
    };
  }

  /** The explanation of a run whose log could not be read: the run's own account, and why. */
  private withoutLog(failed: FailedRun): OfflineExplanation {
    const explanation = explainOffline('', { exitCode: failed.exitCode });
    explanation.summary = [
      `${failed.run.title} ${
        failed.run.status === 'cancelled' ? 'was cancelled' : 'failed'
      }${failed.error ? `: ${failed.error.replace(/\.$/, '')}` : ''}.`,
      'Its log could not be read (see what could not be read), so no known failure cause was looked for.',
      ...(failed.exitCode !== undefined
        ? [`The step exited with code ${failed.exitCode}.`]
        : []),
    ].join(' ');
    return explanation;
  }

  private similarRunsView(
    similar: NonNullable<OfflineExplanation['similarRuns']>,
    history: Map<string, EarlierRun>,
    comparedRuns: number,
  ): AiSimilarRuns {
    const fix = similar.lastFixedBy;
    const fixRun = fix ? history.get(fix.runId) : undefined;
    return {
      seenCount: similar.seenCount,
      ...(similar.firstSeenAt ? { firstSeenAt: similar.firstSeenAt } : {}),
      ...(similar.lastSeenAt ? { lastSeenAt: similar.lastSeenAt } : {}),
      runs: similar.runIds.map(runId => {
        const url = history.get(runId)?.url;
        return { runId, ...(url ? { url } : {}) };
      }),
      ...(fix
        ? {
            lastFixedBy: {
              runId: fix.runId,
              ...(fixRun?.url ? { url: fixRun.url } : {}),
              ...(fix.commit ? { commit: fix.commit } : {}),
              ...(fixRun?.commitUrl ? { commitUrl: fixRun.commitUrl } : {}),
              finishedAt: fix.finishedAt,
            },
          }
        : {}),
      fixedSinceLastSeen: similar.fixedSinceLastSeen,
      summary: similar.summary,
      comparedRuns,
    };
  }

  /**
   * The model's part, when a model is configured and the caller is a user allowed to use the
   * assistant and within the rate limit: context read through actions, one model call.
   */
  private async modelPart(
    credentials: BackstageCredentials,
    request: {
      failed: FailedRun;
      source: FailureSource;
      explanation: OfflineExplanation;
      logText?: LogText;
      lineUrl?: (line: number) => string | undefined;
      history: Map<string, EarlierRun>;
    },
  ): Promise<AiModelExplanation> {
    const { settings, permissions, store, metrics } = this.options;
    const analyst = this.analyst;
    if (!analyst) {
      return {
        status: 'not-configured',
        message: `${aiAssistantNotConfiguredMessage(
          settings.missingProviderKeys,
        )} This is the offline analysis.`,
      };
    }
    const principal = credentials.principal as Principal;
    const userRef = principal.userEntityRef;
    if (!userRef) {
      return {
        status: 'skipped',
        message:
          'The model is asked for signed-in users only (usage and the rate limit are per user); this is the offline analysis.',
      };
    }
    const [decision] = await permissions.authorize(
      [{ permission: aiAssistantChatUsePermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      return {
        status: 'skipped',
        message: `You may not use the AI assistant's model (${aiAssistantChatUsePermission.name}); this is the offline analysis.`,
      };
    }
    const { maxRequests, windowMs } = settings.rateLimit;
    const { count, windowEndsAt } = await store.countRequest(userRef, windowMs);
    if (count > maxRequests) {
      const seconds = Math.max(
        1,
        Math.ceil((windowEndsAt.getTime() - this.clock().getTime()) / 1000),
      );
      return {
        status: 'skipped',
        message: `You have sent ${maxRequests} requests to the assistant in ${
          windowMs / 1000
        } s (aiAssistant.rateLimit); the model was not asked, try again in ${seconds} s. This is the offline analysis.`,
      };
    }
    const { failed, source, explanation } = request;
    const evidence = await source.modelEvidence(failed);
    const lastFix = explanation.similarRuns?.lastFixedBy?.runId;
    const firstSimilar = explanation.similarRuns?.runIds[0];
    const prompt = analyst.buildPrompt({
      failed,
      explanation,
      log: request.logText,
      lineUrl: request.lineUrl,
      similarRunsUrl:
        request.history.get(lastFix ?? firstSimilar ?? '')?.url ?? undefined,
      evidence,
    });
    const { answer, usage, outcome } = await analyst.analyse(prompt);
    metrics?.modelCall(analyst.model, outcome, usage);
    await store.recordUsage({ userRef, model: analyst.model, usage });
    return answer;
  }
}
