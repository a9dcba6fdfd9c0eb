import type { Catalog } from '../en/index.js';

/** 한국어: 로그인, 헤더, 메뉴, 공통 상태, 단위. */

export const app: Catalog['app'] = {
  signingIn: '로그인하는 중…',
  storedRefused: '저장된 토큰을 마스터가 더 이상 받지 않습니다. 다시 로그인하세요.',
  linkRefused: '로그인 링크의 토큰이 거부되었습니다. 마스터를 이전에 실행했을 때의 링크일 수 있습니다. 마스터가 마지막으로 출력한 링크를 열거나 토큰을 붙여 넣으세요.',
  linkFailed: (reason) => `로그인 링크로 로그인하지 못했습니다. ${reason}`,
  signedOut: '로그아웃했습니다.',
  refused: '마스터가 이 토큰을 거부했습니다. 토큰을 확인하고 다시 시도하세요.',
  unreachable: '마스터에 연결할 수 없습니다. 마스터가 실행 중인가요?',
};

export const login: Catalog['login'] = {
  before: '마스터가 시작할 때 출력한 로그인 링크를 열거나, 관리자 토큰을 붙여 넣으세요(마스터 데이터 디렉터리의 ',
  between: ' 파일 또는 ',
  after: ').',
  label: '관리자 토큰',
  empty: '관리자 토큰을 입력하세요.',
  checking: '확인하는 중…',
  signIn: '로그인',
  kept: '토큰은 로그아웃하거나 이 탭을 닫을 때까지 이 탭에만 보관됩니다.',
};

export const header: Catalog['header'] = {
  master: '마스터',
  unreachable: '연결 안 됨',
  masterFacts: (status, version, uptime) => `${status} · v${version} · ${uptime} 가동`,
  nodes: '노드',
  connected: (count) => `${count}개 연결됨`,
  saved: '설정 저장',
  never: '없음',
  live: { connecting: '연결하는 중…', live: '실시간', offline: '오프라인, 다시 연결하는 중…' },
  signOut: '로그아웃',
  language: '언어',
};

export const nav: Catalog['nav'] = {
  sections: '메뉴',
  skip: '본문으로 건너뛰기',
  overview: '노드',
  jobs: '작업',
  profiles: '프로필',
  usage: '사용량',
  settings: '브리지 설정',
  remoteNodes: '원격 노드',
  credentials: '자격 증명',
  notFound: '페이지 없음',
  title: (page) => `${page} · Codex Super Client`,
  noPage: '여기에는 페이지가 없습니다.',
  goHome: '노드 목록으로 가기',
};

export const states: Catalog['states'] = {
  loading: (what) => `${what} 불러오는 중…`,
  tryAgain: '다시 시도',
};

export const units: Catalog['units'] = {
  justNow: '방금',
  ago: (span) => `${span} 전`,
  seconds: (n) => `${n}초`,
  minutes: (n) => `${n}분`,
  hoursMinutes: (h, m) => `${h}시간 ${m}분`,
  daysHours: (d, h) => `${d}일 ${h}시간`,
  milliseconds: (n) => `${n}ms`,
  decimalSeconds: (n) => `${n}초`,
};

export const status: Catalog['status'] = {
  online: '온라인',
  unresponsive: '응답 없음',
  maintenance: '점검 중',
  offline: '오프라인',
  queued: '대기 중',
  assigned: '배정됨',
  running: '실행 중',
  succeeded: '성공',
  failed: '실패',
  cancelled: '취소됨',
  lost: '유실됨',
};
