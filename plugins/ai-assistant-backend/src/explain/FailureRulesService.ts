import {
  type AuditorService,
  type BackstageCredentials,
  type LoggerService,
  type PermissionsService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { audited } from '@internal/backend-common';
import {
  aiAssistantRulesManagePermission,
  type AiFailureRuleIssue,
  type AiFailureRulesTestRequest,
  type AiFailureRulesTestResult,
  type AiFailureRulesView,
  type AiFailureRuleSummary,
} from '@internal/plugin-ai-assistant-common';
import type { Request } from 'express';
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_RULES_FILE,
  FailureKnowledgeBase,
} from '../analysis/FailureKnowledgeBase';
import { LogText } from '../analysis/LogText';
import {
  type CompiledFailureRule,
  formatFailureRuleIssue,
  parseFailureRules,
} from '../analysis/parseFailureRules';
import {
  MAX_TEST_LOG_CHARS,
  testFailureRule,
} from '../analysis/testFailureRule';
import type { FailureRuleIssue } from '../analysis/types';
import type { DatabaseAiAssistantStore } from '../store/DatabaseAiAssistantStore';

/** The administrators' rules file may be at most this long. */
export const MAX_RULES_YAML_CHARS = 512 * 1024;
/** Where issues of the administrators' rules say they are. */
const CUSTOM_SOURCE = 'administrators’ rules';

/** Rules YAML with problems: 400, with every problem and where it is. */
export class FailureRulesInvalidError extends InputError {
  constructor(message: string, readonly issues: AiFailureRuleIssue[]) {
    super(message);
  }
}

/** The knowledge base every explanation uses: the shipped rules merged with the administrators'. */
export type MergedFailureRules = {
  knowledgeBase: FailureKnowledgeBase;
  /** Ids of the rules that came from the administrators. */
  customIds: ReadonlySet<string>;
  version: number;
};

/** Only comments and blank lines: no administrators' rules. */
function isBlank(yaml: string): boolean {
  return yaml.split('\n').every(line => /^\s*(#.*)?$/.test(line));
}

function issueView(issue: FailureRuleIssue): AiFailureRuleIssue {
  const { source: _source, ...view } = issue;
  return view;
}

function summaryOf(rule: CompiledFailureRule): AiFailureRuleSummary {
  return {
    id: rule.id,
    name: rule.name,
    category: rule.category,
    priority: rule.priority,
  };
}

function parseCustom(yaml: string) {
  if (isBlank(yaml)) return { rules: [], issues: [] };
  return parseFailureRules(yaml, { source: CUSTOM_SOURCE });
}

/**
 * The failure knowledge base: Comet's shipped rules merged with the administrators' rules
 * (stored in the database, one version per save; a rule with a shipped rule's id replaces
 * it), the admin view, saving (validated, with every problem's line and column, audited)
 * and "test this rule against this log". The merged rules are compiled once per version;
 * every replica notices a new version at its next explanation.
 */
export class FailureRulesService {
  static create(options: {
    store: DatabaseAiAssistantStore;
    auditor: AuditorService;
    permissions: PermissionsService;
    logger: LoggerService;
    /** The shipped rules file; the package's `src/analysis/rules/default-rules.yaml` by default. */
    shippedRulesFile?: string;
  }): FailureRulesService {
    const file =
      options.shippedRulesFile ??
      resolvePackagePath(
        '@internal/plugin-ai-assistant-backend',
        DEFAULT_RULES_FILE,
      );
    const yaml = fs.readFileSync(file, 'utf8');
    return new FailureRulesService(
      options,
      yaml,
      FailureKnowledgeBase.fromYaml(yaml, { source: file }).rules,
    );
  }

  private merged?: Promise<MergedFailureRules>;
  private mergedVersion = -1;

  private constructor(
    private readonly options: {
      store: DatabaseAiAssistantStore;
      auditor: AuditorService;
      permissions: PermissionsService;
      logger: LoggerService;
    },
    private readonly shippedYaml: string,
    private readonly shipped: CompiledFailureRule[],
  ) {}

  /** The merged rules of the latest saved version. */
  async knowledgeBase(): Promise<MergedFailureRules> {
    const version = await this.options.store.latestFailureRulesVersion();
    if (!this.merged || version !== this.mergedVersion) {
      this.mergedVersion = version;
      this.merged = this.load().catch(error => {
        this.merged = undefined;
        throw error;
      });
    }
    return this.merged;
  }

  private async load(): Promise<MergedFailureRules> {
    const latest = await this.options.store.latestFailureRules();
    const { rules, issues } = parseCustom(latest?.yaml ?? '');
    if (issues.length > 0) {
      // Saved rules were valid when saved; a Comet upgrade may refuse what it allowed then
      this.options.logger.warn(
        `AI assistant: ${
          issues.length
        } problems in the administrators' failure rules (version ${
          latest?.version
        }); those rules are left out: ${issues
          .slice(0, 5)
          .map(formatFailureRuleIssue)
          .join('; ')}`,
      );
    }
    const customIds = new Set(rules.map(rule => rule.id));
    return {
      knowledgeBase: FailureKnowledgeBase.fromRules([
        ...this.shipped.filter(rule => !customIds.has(rule.id)),
        ...rules,
      ]),
      customIds,
      version: latest?.version ?? 0,
    };
  }

  /** The admin view: the shipped rules, the administrators' rules, and which replace which. */
  async view(): Promise<AiFailureRulesView> {
    const latest = await this.options.store.latestFailureRules();
    const yaml = latest?.yaml ?? '';
    const { rules } = parseCustom(yaml);
    const customIds = new Set(rules.map(rule => rule.id));
    return {
      shipped: {
        yaml: this.shippedYaml,
        rules: this.shipped.map(summaryOf),
      },
      custom: {
        yaml,
        rules: rules.map(summaryOf),
        version: latest?.version ?? 0,
        ...(latest
          ? {
              updatedAt: latest.updatedAt.toISOString(),
              updatedBy: latest.updatedBy,
            }
          : {}),
      },
      overridden: this.shipped
        .filter(rule => customIds.has(rule.id))
        .map(rule => rule.id),
    };
  }

  /** Refuses callers without `ai-assistant.rules.manage`. */
  async authorizeManage(credentials: BackstageCredentials): Promise<void> {
    const [decision] = await this.options.permissions.authorize(
      [{ permission: aiAssistantRulesManagePermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not change the failure rules (${aiAssistantRulesManagePermission.name})`,
      );
    }
  }

  /**
   * Saves the administrators' rules as a new version: every problem refuses the save with its
   * line and column; a save over a newer version than `baseVersion` is a conflict. Audited.
   */
  async update(
    credentials: BackstageCredentials,
    input: { yaml: string; baseVersion?: number },
    request?: Request,
  ): Promise<AiFailureRulesView> {
    await this.authorizeManage(credentials);
    if (input.yaml.length > MAX_RULES_YAML_CHARS) {
      throw new InputError(
        `The rules have ${input.yaml.length} characters; at most ${MAX_RULES_YAML_CHARS} are allowed`,
      );
    }
    const { rules, issues } = parseCustom(input.yaml);
    if (issues.length > 0) {
      throw new FailureRulesInvalidError(
        `The rules have ${issues.length} problem${
          issues.length === 1 ? '' : 's'
        }; nothing was saved. ${formatFailureRuleIssue(issues[0])}`,
        issues.map(issueView),
      );
    }
    const principal = credentials.principal as {
      userEntityRef?: string;
      subject?: string;
    };
    const updatedBy = principal.userEntityRef ?? principal.subject ?? 'unknown';
    await audited(
      this.options.auditor,
      {
        eventId: 'failure-rules-update',
        severityLevel: 'medium',
        request,
        meta: {
          ruleCount: rules.length,
          ruleIds: rules.map(rule => rule.id).slice(0, 100),
          ...(input.baseVersion !== undefined
            ? { baseVersion: input.baseVersion }
            : {}),
        },
      },
      async () => {
        const saved = await this.options.store.saveFailureRules({
          yaml: input.yaml,
          ruleCount: rules.length,
          updatedBy,
          baseVersion: input.baseVersion,
        });
        if (!saved) {
          throw new ConflictError(
            `The failure rules were saved by someone else since version ${input.baseVersion}; reload them, then apply your change again`,
          );
        }
        return saved;
      },
      saved => ({ version: saved.version }),
    );
    return this.view();
  }

  /**
   * Tests one rule (`rule`: YAML of a rule) or a rules file (`rules`, all its rules or the one
   * `ruleId`) against a log: every match with its lines and rendered description, or the
   * problems of the rules.
   */
  test(request: AiFailureRulesTestRequest): AiFailureRulesTestResult {
    if (request.log.length > MAX_TEST_LOG_CHARS) {
      return {
        ok: false,
        issues: [
          {
            field: 'log',
            path: 'log',
            message: `the log has ${request.log.length} characters; a rule can be tested against at most ${MAX_TEST_LOG_CHARS}`,
          },
        ],
      };
    }
    if (request.rule !== undefined) {
      const result = testFailureRule({ rule: request.rule, log: request.log });
      if (!result.ok) {
        return { ok: false, issues: result.issues.map(issueView) };
      }
      return {
        ok: true,
        results: [
          {
            ruleId: result.ruleId,
            name: ruleNameOf(request.rule) ?? result.ruleId,
            category: result.category,
            matches: result.matches,
            matchCount: result.matchCount,
            ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
          },
        ],
        logLines: result.logLines,
        durationMs: result.durationMs,
        warnings: result.warnings,
      };
    }
    const { rules, issues } = parseCustom(request.rules ?? '');
    if (issues.length > 0) {
      return { ok: false, issues: issues.map(issueView) };
    }
    let tested = rules;
    if (request.ruleId !== undefined) {
      tested = rules.filter(rule => rule.id === request.ruleId);
      if (tested.length === 0) {
        return {
          ok: false,
          issues: [
            {
              field: 'ruleId',
              path: 'ruleId',
              message: `there is no rule "${request.ruleId}" in the rules`,
            },
          ],
        };
      }
    }
    if (tested.length === 0) {
      return {
        ok: false,
        issues: [
          {
            field: 'rules',
            path: 'rules',
            message: 'there are no rules to test',
          },
        ],
      };
    }
    const started = performance.now();
    const log = LogText.from(request.log);
    const report = FailureKnowledgeBase.fromRules(tested).match(log);
    const byId = new Map(report.rules.map(rule => [rule.id, rule]));
    return {
      ok: true,
      results: tested.map(rule => {
        const matched = byId.get(rule.id);
        return {
          ruleId: rule.id,
          name: rule.name,
          category: rule.category,
          matches: matched?.matches ?? [],
          matchCount: matched?.matchCount ?? 0,
          ...(matched?.stoppedBy ? { stoppedBy: matched.stoppedBy } : {}),
        };
      }),
      logLines: log.lineCount,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      warnings: report.warnings,
    };
  }
}

/** The `name` of a rule given as YAML (a mapping or a one-item list); it parsed before. */
function ruleNameOf(rule: string): string | undefined {
  const value = parseYaml(rule);
  const item = Array.isArray(value) ? value[0] : value;
  return typeof item?.name === 'string' ? item.name : undefined;
}
