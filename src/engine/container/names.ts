// Random container names in Docker's adjective_surname style.
import { randomInt } from '../../common/random.ts';

const ADJECTIVES = ['admiring', 'bold', 'brave', 'busy', 'clever', 'cool', 'eager', 'ecstatic', 'elegant', 'epic',
  'festive', 'focused', 'friendly', 'gifted', 'happy', 'hopeful', 'jolly', 'keen', 'kind', 'laughing', 'loving',
  'lucid', 'magical', 'modest', 'nice', 'nifty', 'optimistic', 'peaceful', 'quirky', 'relaxed', 'serene', 'sharp',
  'stoic', 'sweet', 'tender', 'trusting', 'upbeat', 'vibrant', 'wizardly', 'zealous'];
const SURNAMES = ['agnesi', 'albattani', 'babbage', 'bardeen', 'bell', 'bohr', 'cerf', 'curie', 'darwin', 'dijkstra',
  'einstein', 'euclid', 'fermat', 'feynman', 'galileo', 'gauss', 'hamilton', 'hopper', 'hypatia', 'johnson',
  'kepler', 'knuth', 'lamport', 'leakey', 'lovelace', 'mccarthy', 'meitner', 'newton', 'noether', 'pascal',
  'ritchie', 'shannon', 'thompson', 'torvalds', 'turing', 'wiles', 'wozniak', 'wright', 'yalow', 'zhukovsky'];

export function randomName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
}
