// Filled in by the Jenkins family move (issue 13).
export {};
