export {
  SettingsService,
  maskSettings,
  type BridgeSettingsPatch,
  type BridgeSettingsView,
  type CurrentBridgeSettings,
} from './settings-service.js';
