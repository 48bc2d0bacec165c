/**
 * The extractor's grammar words: English function words, time vocabulary and the cues of
 * negation, correction and follow-up. These describe the language, not a deployment, so they
 * are not configuration (deployment vocabulary lives in `ExtractorConfig`).
 */

const set = (words: string): ReadonlySet<string> => new Set(words.split(/\s+/).filter(Boolean));

/** Words never kept as keywords. */
export const STOP_WORDS = set(`
  a about above after again against all also am an and any anything anyone are aren as at be because been before
  being below between both but by can cannot could couldn did didn do does doesn doing don down during each else
  even ever every few for from further get gets getting got had has have having he her here hers him his how i if
  in into is isn it its itself just let like lot lots me more most much my no nor not now of off ok okay on once
  only or other our ours out over own please same she should so some something still such than that the their
  them then there these they this those through to too under until up us very was wasn we were weren what whats
  when where which while who why will with within without won would yes yet you your yours
  show shows check see look looking tell give find list pull fetch help going happening happened happen
  seems seem looks hey hi hello thanks thank pls plz guys team anyone someone else
  s t ll re ve d m
`);

/** Words that say "something is wrong" without naming what; they do not make a turn a new topic. */
export const GENERIC_WORDS = set(`
  error errors failure failures failing failed fail fails issue issues problem problems broken broke down
  logs log affected impact impacted wrong odd weird spike spikes going
`);

/** A mention right after one of these (allowing "in", "the"…) is negated: "not staging", "except prod". */
export const NEGATIONS = set('not no except excluding exclude without besides nor never');

/** A mention followed in its (non-question) clause by one of these is reported healthy: "staging is fine". */
export const HEALTHY_WORDS = set('fine ok okay healthy unaffected normal stable green good');

/** Words allowed between a negation or an env cue and the mention it governs. */
export const FILLERS = set('in on at the for from to of env environment');

/** A later mention after one of these overrides earlier ones: "staging, sorry, I meant prod". */
export const CORRECTIONS = set('sorry actually correction rather wait scratch meant');

/** Opening words of a follow-up turn ("what about staging?", "and yesterday?"). */
export const FOLLOW_UP_OPENERS = set('and also same now then ok okay but or only just plus again so what how');

/** Closing words of a follow-up turn ("staging too?"). */
export const FOLLOW_UP_CLOSERS = set('too also again instead well');

/** Words before an env word that say "this is an environment": "in test", "on stage". */
export const ENV_CUES_BEFORE = set('in on at from to env environment within');
/** Words after an env word that say "this is an environment": "test env", "stage cluster". */
export const ENV_CUES_AFTER = set('env environment cluster server servers instance instances box site region');

export const MONTHS: ReadonlyMap<string, number> = new Map([
  ['jan', 1], ['january', 1], ['feb', 2], ['february', 2], ['mar', 3], ['march', 3], ['apr', 4], ['april', 4],
  ['may', 5], ['jun', 6], ['june', 6], ['jul', 7], ['july', 7], ['aug', 8], ['august', 8], ['sep', 9],
  ['sept', 9], ['september', 9], ['oct', 10], ['october', 10], ['nov', 11], ['november', 11], ['dec', 12],
  ['december', 12],
]);
/** Month names that are also common words: accepted only capitalised or after "on", "since"… */
export const AMBIGUOUS_MONTHS = set('may mar march jun');

/** 0 = Sunday. Abbreviations are accepted only after "on", "since", "last", "this"… */
export const WEEKDAYS: ReadonlyMap<string, number> = new Map([
  ['sunday', 0], ['monday', 1], ['tuesday', 2], ['wednesday', 3], ['thursday', 4], ['friday', 5], ['saturday', 6],
]);
export const WEEKDAY_ABBREVIATIONS: ReadonlyMap<string, number> = new Map([
  ['sun', 0], ['mon', 1], ['tue', 2], ['tues', 2], ['wed', 3], ['thu', 4], ['thur', 4], ['thurs', 4], ['fri', 5], ['sat', 6],
]);

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Duration units → milliseconds ("m" is minutes; a month counts 30 days). */
export const UNITS: ReadonlyMap<string, number> = new Map([
  ['s', SECOND], ['sec', SECOND], ['secs', SECOND], ['second', SECOND], ['seconds', SECOND],
  ['m', MINUTE], ['min', MINUTE], ['mins', MINUTE], ['minute', MINUTE], ['minutes', MINUTE],
  ['h', HOUR], ['hr', HOUR], ['hrs', HOUR], ['hour', HOUR], ['hours', HOUR],
  ['d', DAY], ['day', DAY], ['days', DAY],
  ['w', 7 * DAY], ['wk', 7 * DAY], ['wks', 7 * DAY], ['week', 7 * DAY], ['weeks', 7 * DAY],
  ['month', 30 * DAY], ['months', 30 * DAY],
]);
/** Units that are at least a day: "the day before" moves the window by a day, keeping its clock times. */
export const DAY_MS = DAY;

/** Number words ("a couple of hours", "few" counts 3). */
export const NUMBER_WORDS: ReadonlyMap<string, number> = new Map([
  ['a', 1], ['an', 1], ['one', 1], ['two', 2], ['three', 3], ['four', 4], ['five', 5], ['six', 6], ['seven', 7],
  ['eight', 8], ['nine', 9], ['ten', 10], ['eleven', 11], ['twelve', 12], ['fifteen', 15], ['twenty', 20],
  ['thirty', 30], ['forty', 40], ['fifty', 50], ['sixty', 60], ['ninety', 90], ['couple', 2], ['few', 3],
  ['several', 3],
]);

/** Words that open a "from T" / "since T" window. */
export const SINCE_WORDS = set('since from after starting started beginning');
/** Words that close a window at T: "until 11:00". */
export const UNTIL_WORDS = set('until till til through thru before to');
/** Words that centre a window on T: "around 10:15". */
export const AROUND_WORDS = set('at around about approx approximately circa near');
/** Words that join the two ends of a range. */
export const RANGE_JOINERS = set('and to till til until through thru');
/** Words that open a "last N units" window. */
export const LAST_WORDS = set('last past previous recent within');

/** Words the typo-tolerant matcher may correct to (besides env and domain synonyms). */
export const TIME_WORDS_FOR_TYPOS = ['yesterday', 'morning', 'afternoon', 'evening', 'tonight', 'minutes', 'between', 'seconds'];
