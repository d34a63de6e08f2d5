-- Every score a customer gives counts in the reports, also the CSAT of a survey whose NPS never
-- came (it stays pending, then expires). `answered_at` is now when the first score came in, set
-- by recordSurveyAnswer; `status = 'answered'` still means every asked score is in.
-- Surveys scored before this migration without an answered_at (partly answered) get their
-- sent_at: the moment of the first answer was not kept.
update surveys set answered_at = sent_at where answered_at is null and (csat is not null or nps is not null);

drop index surveys_reporting;
create index surveys_reporting on surveys (answered_at) where answered_at is not null;
