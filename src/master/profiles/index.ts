export { ProfileService } from './profile-service.js';
export { DEFAULT_AGENTS, loadProfilesFile, type ProfilesFile } from './profiles-file.js';
