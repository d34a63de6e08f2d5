-- Issue 10: reports cut by the customer's country, as the regional study does. Derived from a
-- phone number (libphonenumber-js) or the visitor's stated locale, never guessed from an IP.
alter table contacts
  add column country text check (country ~ '^[A-Z]{2}$'),
  -- where it came from: a phone number wins over a locale; an admin's edit wins over both
  add column country_source text check (country_source in ('phone', 'locale', 'admin')),
  add constraint contacts_country_with_source check ((country is null) = (country_source is null));
