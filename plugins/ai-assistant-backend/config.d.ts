export interface Config {
  /**
   * Comet's AI assistant: a chat that acts through the portal's actions with the signed-in
   * user's own permissions, asking before any write. Without `provider` the chat says which
   * keys to set; failure analysis without a model still works. See docs/ai-assistant.md.
   */
  aiAssistant?: {
    /**
     * Any endpoint that serves OpenAI's Chat Completions API with streaming and tool calls:
     * OpenAI, Azure OpenAI (the `/openai/v1/` endpoint), Ollama, vLLM, LiteLLM.
     */
    provider?: {
      /**
       * The API's base URL, up to and including its version segment, e.g.
       * `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama).
       */
      baseUrl?: string;
      /**
       * The key sent as `Authorization: Bearer …`. For a local server without keys (Ollama,
       * vLLM) any non-empty value, e.g. `unused`.
       * @visibility secret
       */
      apiKey?: string;
      /** The chat model, e.g. `gpt-4.1-mini`, `llama3.1:8b`, or an Azure deployment name. */
      model?: string;
      /** An embedding model, for features that search by meaning. Optional. */
      embeddingModel?: string;
      /** Timeout of one model call until its first byte, in seconds. Default 60. */
      timeoutSeconds?: number;
      /** Retries of a call that failed before streaming (429, 5xx, no answer). Default 2. */
      maxRetries?: number;
      /**
       * Ask for token usage at the end of each stream (`stream_options.include_usage`).
       * Default true; turn off for a server that refuses the option.
       */
      includeUsage?: boolean;
      /** Sampling temperature. Default: the provider's. */
      temperature?: number;
    };
    /** Chat turns (messages and confirmations) one user may start per window, across replicas. */
    rateLimit?: {
      /** Default 20. */
      maxRequests?: number;
      /** Default 60. */
      windowSeconds?: number;
    };
    /** Tool calls the model may make in one turn (from a user message to the answer). Default 8. */
    maxToolCallsPerTurn?: number;
    /**
     * The budget of the prompt sent to the model, in tokens (estimated as 4 characters each).
     * Older turns beyond it are sent as a summary the model writes (stored and reused), or left
     * out when the summary cannot be made; the chat says which. Default 24000.
     */
    contextBudgetTokens?: number;
    /** The longest tool output given to the model, in characters; the rest is cut. Default 20000. */
    maxToolOutputChars?: number;
    /**
     * Extra literal values to mask before anything reaches the model, besides every secret in
     * the config (keys such as `token`, `apiKey`, `password`, `secret`) and known token formats.
     * @visibility secret
     */
    maskValues?: string[];
    /** Files the assistant writes for review ("Generate with AI" in the pipeline editor). */
    generation?: {
      /**
       * When the validator rejects a generated file (or a generated test suite's run fails), how
       * many times its problems are sent back to the model to repair it, from 0 to 10. Default 3.
       */
      maxRepairs?: number;
      /**
       * How long "Generate suite with AI" waits for one run of a generated test suite, in
       * seconds, from 1 to 3600, before it stops waiting and says so. Default 300.
       */
      testRunTimeoutSeconds?: number;
    };
    /**
     * How much "Explain this failure" reads. Every read goes through the other plugins'
     * actions with the caller's credentials; these caps bound the work of one explanation.
     */
    failureAnalysis?: {
      /** Lines of the failed run's log analysed (its end, where runs fail). Default 200000. */
      maxLogLines?: number;
      /** Lines read of each earlier run's log (green baselines, earlier failures). Default 50000. */
      maxEarlierLogLines?: number;
      /** Earlier runs of the pipeline listed for "seen in N runs". Default 50. */
      historyRuns?: number;
      /** The last green runs whose logs are the baseline for "new lines". Default 2. */
      greenRuns?: number;
      /**
       * Earlier failed runs, never analysed before, whose logs one explanation reads to learn
       * their fingerprints (the rest are learnt by later explanations). Default 3.
       */
      backfillRuns?: number;
    };
  };
}
