// @ts-check

/**
 * Log lines move from one row per line (`pipeline_log_lines`) to chunks of consecutive lines
 * of one job (`pipeline_log_chunks`), so a step printing 200,000 lines costs a few dozen
 * inserts. Lines keep their per-run `seq`; existing lines are carried over.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pipeline_log_chunks', table => {
    table.comment('Log lines of pipeline runs, in chunks of consecutive lines');
    table
      .string('run_id', 64)
      .notNullable()
      .references('run_id')
      .inTable('pipeline_runs')
      .onDelete('CASCADE');
    table
      .integer('first_seq')
      .notNullable()
      .comment(
        'seq of the first line; lines are numbered per run from 0, gapless',
      );
    table.integer('last_seq').notNullable().comment('seq of the last line');
    table.string('job_run_id', 512).notNullable();
    table
      .text('lines')
      .notNullable()
      .comment('JSON array of [stepIndex|null, stream, timestamp, text]');

    table.primary(['run_id', 'first_seq']);
    table.index(['run_id', 'last_seq'], 'pipeline_log_chunks_run_last_idx');
  });

  // Carry existing lines over, one chunk per line (old runs only; new ones write real chunks)
  // Walk the old table run by run (small batches keep memory flat on big installations)
  const runIds = (
    await knex('pipeline_log_lines').distinct('run_id').orderBy('run_id')
  ).map(row => row.run_id);
  for (const runId of runIds) {
    let afterSeq = -1;
    for (;;) {
      const rows = await knex('pipeline_log_lines')
        .where('run_id', runId)
        .andWhere('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(1000);
      if (rows.length === 0) break;
      await knex.batchInsert(
        'pipeline_log_chunks',
        rows.map(row => ({
          run_id: row.run_id,
          first_seq: row.seq,
          last_seq: row.seq,
          job_run_id: row.job_run_id,
          lines: JSON.stringify([
            [row.step_index ?? null, row.stream, row.timestamp, row.text],
          ]),
        })),
        100,
      );
      afterSeq = Number(rows[rows.length - 1].seq);
    }
  }
  await knex.schema.dropTable('pipeline_log_lines');
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.createTable('pipeline_log_lines', table => {
    table
      .string('run_id', 64)
      .notNullable()
      .references('run_id')
      .inTable('pipeline_runs')
      .onDelete('CASCADE');
    table.integer('seq').notNullable();
    table.string('job_run_id', 512).notNullable();
    table.integer('step_index').nullable();
    table.string('stream', 16).notNullable();
    table.string('timestamp', 40).notNullable();
    table.text('text').notNullable();
    table.primary(['run_id', 'seq']);
    table.index(
      ['run_id', 'job_run_id', 'seq'],
      'pipeline_log_lines_run_job_seq_idx',
    );
  });
  const chunks = await knex('pipeline_log_chunks').orderBy([
    { column: 'run_id' },
    { column: 'first_seq' },
  ]);
  for (const chunk of chunks) {
    /** @type {Array<[number | null, string, string, string]>} */
    const lines = JSON.parse(chunk.lines);
    await knex.batchInsert(
      'pipeline_log_lines',
      lines.map((line, index) => ({
        run_id: chunk.run_id,
        seq: Number(chunk.first_seq) + index,
        job_run_id: chunk.job_run_id,
        step_index: line[0],
        stream: line[1],
        timestamp: line[2],
        text: line[3],
      })),
      100,
    );
  }
  await knex.schema.dropTable('pipeline_log_chunks');
};
