-- `tutor eval questions` records runs of kind 'questions' (the question checker on MMLU-Redux).
ALTER TABLE eval_runs DROP CONSTRAINT eval_runs_kind_check;
ALTER TABLE eval_runs ADD CONSTRAINT eval_runs_kind_check
    CHECK (kind IN ('retrieval', 'tutor', 'questions'));
