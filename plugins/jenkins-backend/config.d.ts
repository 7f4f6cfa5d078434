export interface Config {
  /** The Jenkins backend's own settings; the instances and the client's are in plugin-jenkins-node. */
  jenkins?: {
    /** How long a trigger waits for Jenkins to start the build, to answer with its number, in seconds (default 10). */
    triggerWaitSeconds?: number;
  };
}
