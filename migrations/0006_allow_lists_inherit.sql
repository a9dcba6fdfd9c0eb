-- The dashboard's allow-lists used to mean "not set" when empty: the bridge's environment stayed in
-- force. From now on an empty list admits nobody and `null` means "the bridge's own list", so the
-- lists saved empty before become `null`: every bridge keeps admitting whom it admitted.
UPDATE settings SET value = json_set(value, '$.slack.allowedChannels', NULL)
  WHERE name = 'bridges' AND json_array_length(value, '$.slack.allowedChannels') = 0;
UPDATE settings SET value = json_set(value, '$.slack.allowedUsers', NULL)
  WHERE name = 'bridges' AND json_array_length(value, '$.slack.allowedUsers') = 0;
UPDATE settings SET value = json_set(value, '$.telegram.allowedChats', NULL)
  WHERE name = 'bridges' AND json_array_length(value, '$.telegram.allowedChats') = 0;
